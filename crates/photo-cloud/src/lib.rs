//! Reference TR-03170 photo cloud.
