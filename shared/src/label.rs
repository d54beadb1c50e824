//! Labels in the UI's two languages. Chinese comes first: the county's own terms (from the seed
//! document) are the words cadres and offices use.

use serde::{Deserialize, Serialize};

/// A UI language.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    /// Simplified Chinese, the default.
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The BCP 47 tag of the language.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

/// Something with a Chinese and an English label.
pub trait Label {
    /// The Chinese label (the seed's term).
    fn zh(&self) -> &'static str;
    /// The English label.
    fn en(&self) -> &'static str;
    /// The label in `lang`.
    fn label(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Zh => self.zh(),
            Lang::En => self.en(),
        }
    }
}

/// Declares a field-less enum whose variants carry a stable wire name and a Chinese and an English
/// label, with an `ALL` list in declaration order and a [`Label`] impl. Wire names are written out
/// (not derived) because they are a contract with phones already in the field.
macro_rules! labeled_enum {
    (
        $(#[$doc:meta])*
        pub enum $name:ident {
            $( $(#[$vdoc:meta])* $variant:ident = $code:literal => ($zh:literal, $en:literal), )+
        }
    ) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        pub enum $name {
            $( $(#[$vdoc])* #[doc = concat!($zh, " — ", $en)] #[serde(rename = $code)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable wire name, as serde writes it.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code,)+ }
            }

            /// Parses a wire name.
            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl $crate::label::Label for $name {
            fn zh(&self) -> &'static str {
                match self { $($name::$variant => $zh,)+ }
            }
            fn en(&self) -> &'static str {
                match self { $($name::$variant => $en,)+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}
pub(crate) use labeled_enum;
