//! `static-server --bind ADDR (--body-file FILE | --size BYTES)`: answers every request, GET or
//! POST, with the same JSON body (the file's bytes, or a filler of BYTES bytes), after reading
//! the request body (a server that does not read it loses keep-alive and measures something
//! else). The physical limit the benchmark compares against: what this machine does when a
//! response costs nothing to make. The benchmark gives it one of the scenario's own responses,
//! so the load generator's check of every response costs it what it costs against us.

use actix_web::{App, HttpResponse, HttpServer, web};
use clap::Parser;

#[derive(Parser)]
struct Args {
    /// Where to listen.
    #[arg(long, default_value = "127.0.0.1:8090")]
    bind: std::net::SocketAddr,
    /// Response body size in bytes (a filler body), when no `--body-file` is given.
    #[arg(long, default_value_t = 2_048)]
    size: usize,
    /// Answer with this file's bytes.
    #[arg(long)]
    body_file: Option<std::path::PathBuf>,
    /// Worker threads.
    #[arg(long, default_value_t = 1)]
    workers: usize,
}

fn body_of(size: usize) -> String {
    // `{"data":"` and `"}` take 11 bytes.
    let filler = size.saturating_sub(11).max(1);
    format!("{{\"data\":\"{}\"}}", "x".repeat(filler))
}

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let args = Args::parse();
    let body = match &args.body_file {
        Some(path) => web::Bytes::from(std::fs::read(path)?),
        None => web::Bytes::from(body_of(args.size)),
    };
    HttpServer::new(move || {
        let body = body.clone();
        App::new().default_service(web::to(move |request: web::Bytes| {
            let body = body.clone();
            async move {
                let _ = request;
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(body)
            }
        }))
    })
    .workers(args.workers)
    .bind(args.bind)?
    .run()
    .await
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_body_has_the_size_asked_for() {
        for size in [100, 2_048, 12_000] {
            assert_eq!(super::body_of(size).len(), size);
        }
    }
}
