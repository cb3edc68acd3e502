//! The test page: executable memory the differential instruction suite
//! (tests/engine/src/random) generates its harness code into at run time.
//!
//! Like the runtime's executable area it lies inside the read-only,
//! executable text mapping (the linker script places `.text.test_page`
//! after `.text.exec_area`, before `__text_end`), so `Platform::text_alias`
//! accepts it: the suite writes code through the RAM write alias and does
//! the cache maintenance, and the runtime can plant probes in it. It is a
//! region of its own so generated code never shares pages with the
//! runtime's XOL slots or with kernel code. Filled with `UDF #0xbad0` until
//! the suite writes it.

use crate::embed::text_region::text_region;

/// Size of the page (a region of 16 4 KiB pages).
pub const SIZE: usize = 64 * 1024;

/// The filler instruction: `UDF #0xbad0`.
const UDF_BAD0: u32 = 0x0000_bad0;

text_region!(section: ".test_page", start: __test_page_start, end: __test_page_end, size: SIZE, filler: UDF_BAD0);

/// The page as the engine suite takes it.
pub fn page() -> probec_engine_tests::TestPage {
    probec_engine_tests::TestPage { start: region_start(), len: SIZE }
}
