//! The kiosk without a window: `MinimalPlugins` + the core plugin, driven by the same actions
//! the buttons send — against the real embedded backend (or a broken one), one module per
//! flow, and against a fake bridge whose replies the test writes (`alone`).

mod account;
mod alone;
mod harness;
mod orders;
mod outage;
mod payment;
mod receipt;
mod session;
mod shop;
mod sold_out;
mod staff;
mod store;
mod tracking;
mod video;
