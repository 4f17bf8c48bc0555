//! One module per command group.

pub(crate) mod crypto;
pub(crate) mod doctor;
pub(crate) mod parse;
pub(crate) mod serve;
