//! Regions of executable kernel text reserved at link time: the runtime's
//! XOL area, the script loader's code area, the differential suite's test
//! page. Each lies inside the read-only + executable text mapping, is
//! written only through the RAM write alias (`Platform::text_alias`) with
//! the cache maintenance after it, and starts filled with a distinct
//! `UDF #imm`, so a stray jump into an unused part stops with an
//! undefined-instruction exception that names the region.

/// Reserve `size` bytes (a multiple of 4) of page-aligned executable text in
/// `section`, filled with `UDF #filler`, with global symbols `start` and
/// `end` around it, and define `fn region_start() -> usize` in the calling
/// module.
macro_rules! text_region {
    (section: $section:literal, start: $start:ident, end: $end:ident, size: $size:expr, filler: $filler:expr) => {
        core::arch::global_asm!(
            concat!(
                ".pushsection ", $section, ", \"ax\", %progbits\n",
                ".balign 4096\n",
                ".global ", stringify!($start), "\n",
                stringify!($start), ":\n",
                "    .fill {words}, 4, {udf}\n",
                ".global ", stringify!($end), "\n",
                stringify!($end), ":\n",
                ".popsection\n",
            ),
            words = const $size / 4,
            udf = const $filler,
        );

        extern "C" {
            static $start: u8;
        }

        /// First address of the region (4 KiB aligned).
        fn region_start() -> usize {
            &raw const $start as usize
        }
    };
}
pub(crate) use text_region;
