//! TR-03170 photo code and photo handling.
