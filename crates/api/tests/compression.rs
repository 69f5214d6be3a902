//! Compressing an answer for the response cache allocates what the answer needs. At Brotli's
//! quality 5 with a window of 2^16 or less, the `brotli` crate zeroed about 36 MB for every
//! answer it compressed: the server's peak memory grew by that much per thread, and a cache
//! miss of a 5 KB answer spent 2 ms compressing it (#15, bench/RESULTS.md).

use std::alloc::System;

use broadsheet_api::cache::Coding;
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static ALLOCATOR: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

/// An answer like the article page's: JSON of about `len` bytes, varied as answers are.
fn answer(len: usize, seed: usize) -> Vec<u8> {
    let mut body = String::from("{\"data\":{\"articles\":[");
    let mut i = seed;
    while body.len() < len {
        body.push_str(&format!(
            "{{\"title\":\"Committee council {i} data planning\",\"slug\":\"committee-{i}\",\"publishedAt\":\"2026-11-{:02}T08:00:00Z\"}},",
            i % 28 + 1
        ));
        i += 7;
    }
    body.push_str("{}]}}");
    body.into_bytes()
}

#[test]
fn compressing_an_answer_allocates_about_what_it_needs() {
    for len in [600, 5_000, 20_000, 60_000, 130_000] {
        let body = answer(len, len);
        for coding in Coding::ALL {
            let region = Region::new(ALLOCATOR);
            let encoded = coding.encode(&body).expect("smaller");
            let allocated = region.change().bytes_allocated;
            assert!(encoded.len() < body.len() / 2, "{coding:?} of {len} bytes");
            // Brotli's hash chains and ring buffer take about 2 MB whatever the size.
            assert!(
                allocated < 6 << 20,
                "{coding:?} of a {len}-byte answer allocated {allocated} bytes"
            );
        }
    }
}
