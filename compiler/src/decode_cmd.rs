//! `probec decode HEX...`: can I probe here?
pub fn run(_words: &[String]) -> Result<String, String> { Err("not yet".into()) }
