//! Links Debian's PocketSphinx (`libpocketsphinx-dev`; `cargo xtask` installs it).

fn main() {
    if let Err(e) = pkg_config::probe_library("pocketsphinx") {
        panic!("PocketSphinx not found ({e}): `apt-get install libpocketsphinx-dev pocketsphinx-en-us`, or run `cargo xtask test`, which installs it");
    }
}
