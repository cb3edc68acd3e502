//! Passes the linker script by absolute path, so the build works from any
//! working directory (a relative `-Tlink.ld` would be resolved against the
//! directory cargo runs the linker in), and asks the linker for a GNU
//! build-id.
fn main() {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap();
    println!("cargo:rustc-link-arg-bins=-T{dir}/link.ld");
    // Sections are page aligned (4 KiB), not the 64 KiB ld assumes for arm64.
    println!("cargo:rustc-link-arg-bins=-zmax-page-size=4096");
    // A GNU build-id note (link.ld keeps it in the image; src/board/build_id.rs
    // reads it): the agent's handshake reports it so a host can tell this
    // build from another. The linker is invoked directly (linker-flavor=ld)
    // on both toolchain routes, so the flag is passed as is.
    println!("cargo:rustc-link-arg-bins=--build-id=sha1");
    println!("cargo:rerun-if-changed=link.ld");
    println!("cargo:rerun-if-changed=build.rs");
}
