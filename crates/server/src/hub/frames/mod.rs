//! One function per client frame, after the gateway checked its shape and the writer its
//! client id: `agent` (a desk's frames), `visitor` (a widget's), `file` (uploads, W4, D12).

mod agent;
mod file;
mod visitor;
