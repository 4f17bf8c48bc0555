//! The platform's model by area: each module owns an area's state and the rules that change
//! it, as methods the routes call (the routes only decode requests and encode answers).

pub(crate) mod kf;
pub(crate) mod people;
