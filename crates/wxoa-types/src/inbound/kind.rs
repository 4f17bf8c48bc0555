//! One table per typed enum: [`typed_kinds!`] writes [`Message`](super::Message) and
//! [`Event`](super::Event), their kind enums [`MessageKind`](super::MessageKind) and
//! [`EventKind`](super::EventKind), the platform's name of each kind and the reading of each
//! variant, all from one line per variant, so that a kind, its name and its typed value cannot
//! drift apart.

/// Declares a typed enum and its kind enum from one line per variant:
/// `Variant(Payload) = "platform name",` (or `Variant = "name",` for a variant without fields),
/// then optionally `unknown: Unknown;` for a fieldless catch-all variant of the typed enum.
///
/// It generates the typed enum; the kind enum (one fieldless variant per line, and
/// `Unknown(String)` for any other name); the kind's canonical name, its case-insensitive
/// lookup (`From<&str>`) and `Display`; the typed enum's name function (`name: …;`), `kind`,
/// `is`, `payload` and `read` (which reads the variant named by a kind from the remaining
/// fields of a push, each payload through its own `take_from`).
macro_rules! typed_kinds {
    (
        $(#[$meta:meta])*
        pub enum $Enum:ident;
        $(#[$kind_meta:meta])*
        pub enum $Kind:ident;
        name: $name_fn:ident;
        {
            $( $(#[$vmeta:meta])* $V:ident $( ($T:ty) )? = $name:literal, )*
        }
        $( unknown: $(#[$umeta:meta])* $Unknown:ident; )?
    ) => {
        $(#[$meta])*
        pub enum $Enum {
            $( $(#[$vmeta])* $V $( ($T) )?, )*
            $( $(#[$umeta])* $Unknown, )?
        }

        $(#[$kind_meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $Kind {
            $( #[doc = concat!("`", $name, "`.")] $V, )*
            /// A name this library does not know, as given (it matches without regard to case).
            Unknown(String),
        }

        impl $Kind {
            /// The platform's name: the canonical spelling of a known kind, an unknown one's name
            /// as given.
            pub fn name(&self) -> &str {
                match self {
                    $( Self::$V => $name, )*
                    Self::Unknown(name) => name,
                }
            }

            /// The known kind of this name, matched without regard to case.
            pub(crate) fn known(name: &str) -> Option<Self> {
                $( if name.eq_ignore_ascii_case($name) { return Some(Self::$V); } )*
                None
            }

            /// Whether the typed value of this kind carries a `P` (the payload of its
            /// variant): `false` for a variant without fields and for an unknown kind.
            pub fn carries<P: 'static>(&self) -> bool {
                match self {
                    $( Self::$V => {
                        false $( || std::any::TypeId::of::<$T>() == std::any::TypeId::of::<P>() )?
                    } )*
                    Self::Unknown(_) => false,
                }
            }
        }

        /// The kind of this name, matched without regard to case: a known kind, or `Unknown`
        /// with the name as given.
        impl From<&str> for $Kind {
            fn from(name: &str) -> Self {
                Self::known(name).unwrap_or_else(|| Self::Unknown(name.to_owned()))
            }
        }

        impl std::fmt::Display for $Kind {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        $crate::inbound::kind::name_and_kind!(
            $Enum, $Kind, $name_fn, [$( $V = $name, )*], [$( $Unknown )?]
        );

        impl $Enum {
            /// Whether this value is of kind `kind` (an unknown kind is never matched here: the
            /// name of what arrived is on the push).
            pub fn is(&self, kind: &$Kind) -> bool {
                match (self, kind) {
                    $( (Self::$V { .. }, $Kind::$V) => true, )*
                    _ => false,
                }
            }

            /// The typed content of this variant, if it is a `P`.
            pub fn payload<P: 'static>(&self) -> Option<&P> {
                match self {
                    $( Self::$V $( ($crate::inbound::kind::bind!($T, payload)) )? => {
                        $crate::inbound::kind::downcast!($( $T, payload )?)
                    } )*
                    $( Self::$Unknown => None, )?
                }
            }


            /// Reads the variant of the known kind `kind` from the remaining fields of a push.
            fn read(
                kind: $Kind,
                element: &mut $crate::xml::Element,
            ) -> Result<Option<Self>, $crate::inbound::InboundError> {
                Ok(Some(match kind {
                    $( $Kind::$V => Self::$V $( (<$T>::take_from(element)?) )?, )*
                    $Kind::Unknown(_) => return Ok(None),
                }))
            }
        }
    };
}

/// The typed enum's name function and `kind`: total when every variant is known, `Option`
/// when the enum has a catch-all variant.
macro_rules! name_and_kind {
    ($Enum:ident, $Kind:ident, $name_fn:ident, [$( $V:ident = $name:literal, )*], []) => {
        impl $Enum {
            /// The platform's name of this variant (canonical spelling).
            pub fn $name_fn(&self) -> &'static str {
                match self {
                    $( Self::$V { .. } => $name, )*
                }
            }

            /// What kind of value this is.
            pub fn kind(&self) -> $Kind {
                match self {
                    $( Self::$V { .. } => $Kind::$V, )*
                }
            }
        }
    };
    ($Enum:ident, $Kind:ident, $name_fn:ident, [$( $V:ident = $name:literal, )*], [$Unknown:ident]) => {
        impl $Enum {
            /// The platform's name of this variant (canonical spelling); `None` for the
            /// catch-all, whose name is on the push.
            pub fn $name_fn(&self) -> Option<&'static str> {
                match self {
                    $( Self::$V { .. } => Some($name), )*
                    Self::$Unknown => None,
                }
            }

            /// What kind of value this is; `None` for the catch-all, whose name is on the push.
            pub fn kind(&self) -> Option<$Kind> {
                match self {
                    $( Self::$V { .. } => Some($Kind::$V), )*
                    Self::$Unknown => None,
                }
            }
        }
    };
}

/// The payload bound by [`bind!`] as a `P`, or `None` for a variant without one.
macro_rules! downcast {
    () => {
        None
    };
    ($T:ty, $payload:ident) => {{
        let payload: &$T = $payload;
        (payload as &dyn std::any::Any).downcast_ref()
    }};
}

/// A binding in a pattern, written where a variant's payload type is in scope (so that a
/// repetition over the optional payload can bind it).
macro_rules! bind {
    ($T:ty, $binding:ident) => {
        $binding
    };
}

pub(crate) use {bind, downcast, name_and_kind, typed_kinds};
