//! Tables for people at a terminal: a header, columns padded to their widest cell.

use broadsheet_domain::time::Timestamp;

/// Rows under a header, printed with [`Table::render`].
pub(super) struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these column names.
    pub(super) fn new(header: &[&str]) -> Self {
        Self {
            rows: vec![header.iter().map(|h| (*h).to_owned()).collect()],
        }
    }

    /// Adds a row; cells print as given, control characters shown as `?`.
    pub(super) fn row(&mut self, cells: Vec<String>) {
        // A name holding an escape sequence must not drive the operator's terminal.
        let clean = cells
            .into_iter()
            .map(|c| {
                c.chars()
                    .map(|ch| if ch.is_control() { '?' } else { ch })
                    .collect()
            })
            .collect();
        self.rows.push(clean);
    }

    /// The lines, each ending in a newline, with two spaces between columns.
    pub(super) fn render(&self) -> String {
        let columns = self.rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|i| {
                self.rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|c| c.chars().count())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let mut out = String::new();
        for row in &self.rows {
            let mut line = String::new();
            for (cell, width) in row.iter().zip(&widths) {
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', width - cell.chars().count() + 2));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A time to the minute, in UTC; `-` for none.
pub(super) fn minute(t: Option<Timestamp>) -> String {
    t.map_or_else(
        || "-".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_and_escapes_are_defused() {
        let mut t = Table::new(&["ID", "NAME"]);
        t.row(vec!["1".into(), "Ada \u{1b}[31mAdmin".into()]);
        t.row(vec!["12".into(), "Zoë".into()]);
        assert_eq!(t.render(), "ID  NAME\n1   Ada ?[31mAdmin\n12  Zoë\n");
    }
}
