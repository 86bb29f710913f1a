//! The notification policy (D17). Being written.
