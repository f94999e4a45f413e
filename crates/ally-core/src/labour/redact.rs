//! `redacted_debug!`: a `Debug` that shows only the type's name, for the labour types that carry
//! names of workers and claimants (so a stray `{:?}` in a log never prints them).

/// `Debug` that shows only the type's name: these types carry names of workers and claimants.
macro_rules! redacted_debug {
    ($($t:ty),*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(concat!(stringify!($t), " { .. }"))
            }
        }
    )*};

}

pub(crate) use redacted_debug;
