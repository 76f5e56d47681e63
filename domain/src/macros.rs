//! Macros shared by the domain's modules.

/// A closed set of values with stable snake_case codes: the enum, `ALL`,
/// `code()`, `FromStr` (unknown codes are [`crate::FieldError::Unknown`])
/// and `Display`. The invoking module imports `fmt`, `FromStr`, `Serialize`,
/// `Deserialize` and `FieldError`.
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub const fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = FieldError;

            fn from_str(code: &str) -> Result<Self, Self::Err> {
                match code.trim() {
                    $($code => Ok($name::$variant),)+
                    _ => Err(FieldError::Unknown),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
