//! libFuzzer's entry for `hearth_fuzz::device_frame`; the body lives in the library
//! so the stable corpus replay test runs exactly the same code.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| hearth_fuzz::device_frame(data));
