//! The exit statuses every `probec` subcommand shares (the subcommands
//! import them from here, not from [`crate::cli`], which imports them).

/// Exit status: success.
pub const EXIT_OK: i32 = 0;
/// Exit status: the script has errors.
pub const EXIT_SCRIPT: i32 = 1;
/// Exit status: bad usage (options, files).
pub const EXIT_USAGE: i32 = 2;
