//! Typed client for the employer side of the hh.ru API.
