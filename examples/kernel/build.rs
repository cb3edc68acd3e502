//! Passes the linker script by absolute path, so the build works from any
//! working directory (a relative `-Tlink.ld` would be resolved against the
//! directory cargo runs the linker in).
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg-bins=-T{dir}/link.ld");
    // Sections are page aligned (4 KiB), not the 64 KiB ld assumes for arm64.
    println!("cargo:rustc-link-arg-bins=-zmax-page-size=4096");
    println!("cargo:rerun-if-changed=link.ld");
    println!("cargo:rerun-if-changed=build.rs");
}
