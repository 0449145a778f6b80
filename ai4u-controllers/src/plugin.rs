//! # Controller plugins: the export side and the ABI
//!
//! A controller can be compiled into a `cdylib` and loaded by `ai4u serve --plugin PATH`
//! (or `ai4u_appserver::plugin::Plugin::load`). The plugin crate depends on
//! `ai4u-controllers` and names what it offers with [`export_controllers!`](crate::export_controllers):
//!
//! ```ignore
//! // Cargo.toml: [lib] crate-type = ["cdylib"]
//! use ai4u_controllers::SampleSceneController;
//! # struct Careful; impl Careful { fn new() -> Self { Careful } }
//! // The first controller is the default one; the others are chosen by name.
//! ai4u_controllers::export_controllers!(SampleSceneController, "careful" => Careful::new);
//! ```
//!
//! The same controller type can be linked statically or exported from a plugin unchanged.
//!
//! ## The ABI rules
//!
//! Controllers cross the boundary as Rust trait objects (`Box<dyn Controller>`), and the
//! values they exchange ([`Space`], [`Sample`], [`State`], [`Command`], ...) are ordinary
//! Rust types. Rust has no stable ABI, so a plugin only works when:
//!
//! 1. it was built by **the same rustc** (exact `rustc --version`, commit hash included)
//!    as the server;
//! 2. against **the same ai4u-controllers version** (and, in practice, the same
//!    `Cargo.lock`: the layouts of `ndarray` and friends must match too — build the plugin
//!    in the server's workspace or with a copy of its lockfile);
//! 3. both sides use **the same global allocator** — the default system allocator: memory
//!    allocated in the plugin (returned spaces, samples, commands, errors) is freed by the
//!    server. Neither side may set a different `#[global_allocator]`;
//! 4. the plugin is built with `panic = "unwind"` (the default): a panicking callback is
//!    caught *inside the plugin* (each `cdylib` carries its own copy of `std`, whose panics
//!    another copy cannot catch) and re-raised in the server, where it stops only the
//!    agent whose controller panicked.
//!
//! The loader checks, in this order, before it calls anything in the library (opening a
//! library does run its initialisers: load only plugins you trust):
//!
//! 1. the symbol [`DESCRIPTOR_SYMBOL`] exists and starts with [`MAGIC`];
//! 2. the plugin ABI version ([`ABI_VERSION`], at bytes 8..12) is the server's; the rest
//!    of the descriptor is only read when it is, since its layout may differ otherwise;
//! 3. the rustc version ([`RUSTC_VERSION`]) is the server's;
//! 4. the ai4u-controllers version ([`CONTROLLERS_VERSION`]) is the server's;
//! 5. a fingerprint of the sizes and alignments of the types crossing the boundary
//!    ([`LAYOUT_FINGERPRINT`]) is the server's — a cheap guard against diverging lockfiles;
//! 6. the functions [`NAME_SYMBOL`], [`CREATE_SYMBOL`] and [`TAKE_PANIC_SYMBOL`] exist.
//!
//! What cannot be checked: the allocator (rule 3), `panic = "abort"` (a panic then ends the
//! process) and layout-changing unstable flags such as `-Zrandomize-layout`.
//!
//! ## The symbols
//!
//! | symbol | type |
//! |---|---|
//! | `AI4U_PLUGIN_DESCRIPTOR` | static [`PluginDescriptor`] (`#[repr(C)]`, plain bytes) |
//! | `ai4u_plugin_controller_name` | [`NameFn`]: the name of controller `index` (0 = default) |
//! | `ai4u_plugin_create` | [`CreateFn`]: a new `Box<Box<dyn Controller>>` as a raw pointer |
//! | `ai4u_plugin_take_panic` | [`TakePanicFn`]: the message of a panic caught on this thread |
//!
//! Every exported function catches panics; a caught panic is parked in a thread-local slot
//! of the plugin, and the loader fetches it with `ai4u_plugin_take_panic` right after each
//! call, on the same thread.
//!
//! [`Space`]: ai4u_core::spaces::Space
//! [`Sample`]: ai4u_core::spaces::Sample
//! [`State`]: ai4u_core::value::State

use crate::{Command, Controller, ControllerError, Result};
use ai4u_core::metadata::ModelMetadata;
use ai4u_core::spaces::{Discrete, Sample, Space};
use ai4u_core::value::State;
use std::cell::Cell;
use std::ffi::c_void;
use std::mem::ManuallyDrop;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// The first 8 bytes of every descriptor.
pub const MAGIC: [u8; 8] = *b"AI4UPLUG";

/// The plugin ABI version: the layout of [`PluginDescriptor`] after its first 12 bytes, the
/// exported functions and their signatures. Bytes 0..8 (magic) and 8..12 (this number,
/// native-endian `u32`) never move.
pub const ABI_VERSION: u32 = 2;

/// The version of this crate a plugin was built against.
pub const CONTROLLERS_VERSION: &str = env!("CARGO_PKG_VERSION");

/// `rustc --version` of the compiler that built this crate (recorded by its build script).
pub const RUSTC_VERSION: &str = env!("AI4U_RUSTC_VERSION");

/// Name of the descriptor static.
pub const DESCRIPTOR_SYMBOL: &str = "AI4U_PLUGIN_DESCRIPTOR";
/// Name of the [`NameFn`] function.
pub const NAME_SYMBOL: &str = "ai4u_plugin_controller_name";
/// Name of the [`CreateFn`] function.
pub const CREATE_SYMBOL: &str = "ai4u_plugin_create";
/// Name of the [`TakePanicFn`] function.
pub const TAKE_PANIC_SYMBOL: &str = "ai4u_plugin_take_panic";

/// Capacity of [`PluginDescriptor::controllers_version`].
pub const CONTROLLERS_VERSION_CAPACITY: usize = 32;
/// Capacity of [`PluginDescriptor::rustc_version`].
pub const RUSTC_VERSION_CAPACITY: usize = 128;

/// Returns the name of controller `index` (0 is the default) as UTF-8 bytes that live as
/// long as the library, writing their length to `len`; null past the last controller.
pub type NameFn = unsafe extern "C" fn(index: usize, len: *mut usize) -> *const u8;

/// Builds controller `index`: a `Box<Box<dyn Controller>>` turned into a raw pointer
/// (`Box::into_raw`), or null if `index` is out of range or the constructor panicked (the
/// panic's message is then waiting in [`TakePanicFn`]).
pub type CreateFn = unsafe extern "C" fn(index: usize) -> *mut c_void;

/// Receives a panic message: `ctx` as given to [`TakePanicFn`], then UTF-8 bytes valid for
/// the duration of the call.
pub type PanicSink = unsafe extern "C" fn(ctx: *mut c_void, message: *const u8, len: usize);

/// If a panic was caught on the calling thread since the last call, hands its message to
/// `sink` (once) and returns true.
pub type TakePanicFn = unsafe extern "C" fn(sink: PanicSink, ctx: *mut c_void) -> bool;

/// What a plugin declares about itself: plain bytes, no pointers, so a loader can read it
/// before trusting anything else in the library. `#[repr(C)]`, 192 bytes, align 8.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginDescriptor {
    /// [`MAGIC`].
    pub magic: [u8; 8],
    /// [`ABI_VERSION`] of the plugin.
    pub abi_version: u32,
    /// `size_of::<PluginDescriptor>()` in the plugin.
    pub size: u32,
    /// Bytes used in `controllers_version`.
    pub controllers_version_len: u32,
    /// Bytes used in `rustc_version`.
    pub rustc_version_len: u32,
    /// [`LAYOUT_FINGERPRINT`] of the plugin.
    pub layout_fingerprint: u64,
    /// [`CONTROLLERS_VERSION`], UTF-8, zero-padded.
    pub controllers_version: [u8; CONTROLLERS_VERSION_CAPACITY],
    /// [`RUSTC_VERSION`], UTF-8, zero-padded (truncated if longer).
    pub rustc_version: [u8; RUSTC_VERSION_CAPACITY],
}

const fn padded<const N: usize>(s: &str) -> ([u8; N], u32) {
    let bytes = s.as_bytes();
    let mut out = [0u8; N];
    let mut i = 0;
    while i < bytes.len() && i < N {
        out[i] = bytes[i];
        i += 1;
    }
    (out, i as u32)
}

fn unpad(bytes: &[u8], len: u32) -> String {
    let len = (len as usize).min(bytes.len());
    String::from_utf8_lossy(&bytes[..len]).into_owned()
}

impl PluginDescriptor {
    /// The descriptor of a plugin built with this crate, by this compiler.
    pub const fn current() -> PluginDescriptor {
        let (controllers_version, controllers_version_len) =
            padded::<CONTROLLERS_VERSION_CAPACITY>(CONTROLLERS_VERSION);
        let (rustc_version, rustc_version_len) = padded::<RUSTC_VERSION_CAPACITY>(RUSTC_VERSION);
        PluginDescriptor {
            magic: MAGIC,
            abi_version: ABI_VERSION,
            size: std::mem::size_of::<PluginDescriptor>() as u32,
            controllers_version_len,
            rustc_version_len,
            layout_fingerprint: LAYOUT_FINGERPRINT,
            controllers_version,
            rustc_version,
        }
    }

    /// The ai4u-controllers version the plugin was built against.
    pub fn controllers_version(&self) -> String {
        unpad(&self.controllers_version, self.controllers_version_len)
    }

    /// The rustc that built the plugin, as recorded (truncated to 128 bytes).
    pub fn rustc_version(&self) -> String {
        unpad(&self.rustc_version, self.rustc_version_len)
    }
}

/// The server's own [`RUSTC_VERSION`] as it would be recorded in a descriptor (truncated
/// like the plugin's, so long version strings still compare equal).
pub fn recorded_rustc_version() -> String {
    PluginDescriptor::current().rustc_version()
}

const fn mix(h: u64, v: usize) -> u64 {
    (h ^ v as u64).wrapping_mul(0x0000_0100_0000_01b3)
}

macro_rules! fingerprint {
    ($($t:ty),* $(,)?) => {{
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        $(
            h = mix(h, std::mem::size_of::<$t>());
            h = mix(h, std::mem::align_of::<$t>());
        )*
        h
    }};
}

/// A hash of the sizes and alignments of the types that cross the plugin boundary. Equal
/// fingerprints do not prove equal layouts, different ones prove a mismatch.
pub const LAYOUT_FINGERPRINT: u64 = fingerprint!(
    Box<dyn Controller>,
    Space,
    Sample,
    State,
    Command,
    ModelMetadata,
    ControllerError,
    Result<Sample>,
    Result<Command>,
    String,
    Vec<u8>,
    ndarray::ArrayD<f32>,
    ndarray::ArrayD<f64>,
    ndarray::ArrayD<i64>,
);

/// A constructor as listed by [`export_controllers!`](crate::export_controllers).
pub type Constructor = fn() -> Box<dyn Controller>;

thread_local! {
    /// The message of the last panic caught in this library on this thread, not yet taken:
    /// a `Box<String>` from `Box::into_raw`, or null. A raw pointer in a `Cell` has no
    /// destructor, so no thread-exit hook into this library is ever registered (one that
    /// could outlive the library once the server unloads it).
    static CAUGHT: Cell<*mut String> = const { Cell::new(std::ptr::null_mut()) };
}

/// Parks `message` for [`TakePanicFn`], replacing one not taken.
fn park(message: String) {
    let new = Box::into_raw(Box::new(message));
    let old = CAUGHT.replace(new);
    if !old.is_null() {
        // SAFETY: non-null values of `CAUGHT` come from `Box::into_raw` and are owned by the
        // slot; `replace` took this one out, so it is freed exactly once.
        drop(unsafe { Box::from_raw(old) });
    }
}

/// Takes the parked panic message, if any.
fn take() -> Option<String> {
    let p = CAUGHT.replace(std::ptr::null_mut());
    // SAFETY: as in `park`: a non-null pointer taken out of the slot is an owned `Box<String>`.
    (!p.is_null()).then(|| *unsafe { Box::from_raw(p) })
}

fn payload_message(p: &(dyn std::any::Any + Send)) -> String {
    p.downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic payload".to_owned())
}

/// Runs `f`; if it panics, parks the message for [`TakePanicFn`] and returns `placeholder()`.
fn guard<T>(f: impl FnOnce() -> T, placeholder: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            let message = payload_message(&*payload);
            // Dropping a payload can panic in turn; never let that unwind out of the plugin.
            let _ = catch_unwind(AssertUnwindSafe(move || drop(payload))).map_err(std::mem::forget);
            park(message);
            placeholder()
        }
    }
}

/// What a space callback returns after a caught panic: a reference must outlive the call,
/// so the placeholder is a static.
fn placeholder_space() -> &'static Space {
    static PLACEHOLDER: std::sync::LazyLock<Space> =
        std::sync::LazyLock::new(|| Space::Discrete(Discrete::new(1).expect("Discrete(1) is valid")));
    &PLACEHOLDER
}

fn placeholder_error<T>() -> Result<T> {
    Err(ControllerError::Configuration(String::new()))
}

/// Wraps a plugin's controller so no panic unwinds out of the plugin: each callback runs
/// under `catch_unwind` in the plugin's own `std`. After a caught panic the callback returns
/// a placeholder, which the loader discards when it re-raises the parked panic.
struct Guarded {
    inner: ManuallyDrop<Box<dyn Controller>>,
}

impl Drop for Guarded {
    fn drop(&mut self) {
        guard(
            || {
                // SAFETY: `inner` is dropped exactly once, here, and never used afterwards.
                unsafe { ManuallyDrop::drop(&mut self.inner) }
            },
            || (),
        )
    }
}

impl Controller for Guarded {
    fn action_space(&self) -> &Space {
        guard(|| self.inner.action_space(), || placeholder_space())
    }
    fn observation_space(&self) -> &Space {
        guard(|| self.inner.observation_space(), || placeholder_space())
    }
    fn action_name(&self) -> &str {
        guard(|| self.inner.action_name(), || "")
    }
    fn handle_configuration(&mut self, id: &str, max_steps: u32, metadata: &ModelMetadata) -> Result<()> {
        guard(|| self.inner.handle_configuration(id, max_steps, metadata), placeholder_error)
    }
    fn check_declaration(&self, metadata: &ModelMetadata) -> Result<()> {
        guard(|| self.inner.check_declaration(metadata), placeholder_error)
    }
    fn handle_new_episode(&mut self, state: &State) {
        guard(|| self.inner.handle_new_episode(state), || ())
    }
    fn handle_end_of_episode(&mut self, state: &State) {
        guard(|| self.inner.handle_end_of_episode(state), || ())
    }
    fn reset_behavior(&mut self, state: &State) -> Result<Sample> {
        guard(|| self.inner.reset_behavior(state), placeholder_error)
    }
    fn step_behavior(&mut self, action: &Sample) -> Result<Command> {
        guard(|| self.inner.step_behavior(action), placeholder_error)
    }
    fn observation(&mut self, state: &State) -> Result<Sample> {
        guard(|| self.inner.observation(state), placeholder_error)
    }
    fn reward(&mut self, reward: f32, state: &State) -> f32 {
        guard(|| self.inner.reward(reward, state), || reward)
    }
}

/// The bodies of the functions [`export_controllers!`](crate::export_controllers) generates. Not a public API.
#[doc(hidden)]
pub mod __export {
    use super::*;

    pub use std::ffi::c_void;

    /// Body of `ai4u_plugin_controller_name`.
    ///
    /// # Safety
    /// `len` must be null or valid for a write.
    pub unsafe fn name(table: &'static [(&'static str, Constructor)], index: usize, len: *mut usize) -> *const u8 {
        match table.get(index) {
            Some((name, _)) => {
                if !len.is_null() {
                    // SAFETY: the caller guarantees `len` is valid for a write when not null.
                    unsafe { len.write(name.len()) };
                }
                name.as_ptr()
            }
            None => std::ptr::null(),
        }
    }

    /// Body of `ai4u_plugin_create`.
    pub fn create(table: &'static [(&'static str, Constructor)], index: usize) -> *mut c_void {
        let Some(&(_, constructor)) = table.get(index) else {
            return std::ptr::null_mut();
        };
        guard(
            || {
                let guarded: Box<dyn Controller> = Box::new(Guarded { inner: ManuallyDrop::new(constructor()) });
                Box::into_raw(Box::new(guarded)).cast::<c_void>()
            },
            std::ptr::null_mut,
        )
    }

    /// Body of `ai4u_plugin_take_panic`.
    ///
    /// # Safety
    /// `sink` must be safe to call with `ctx` and a valid UTF-8 byte range.
    pub unsafe fn take_panic(sink: PanicSink, ctx: *mut c_void) -> bool {
        match take() {
            Some(m) => {
                // SAFETY: `m` is valid UTF-8 for the duration of the call; the caller vouches
                // for `sink` and `ctx`.
                unsafe { sink(ctx, m.as_ptr(), m.len()) };
                true
            }
            None => false,
        }
    }
}

/// Exports controllers from a `cdylib` crate: the descriptor static and the functions of
/// the plugin ABI (see the [`plugin`](crate::plugin) module). Invoke it once, at the crate
/// root.
///
/// The first entry is the default controller. Either a type implementing [`Default`] (its
/// name is the type's name), or `"name" => constructor` where `constructor` is a
/// `fn() -> impl Controller` path or closure:
///
/// ```ignore
/// ai4u_controllers::export_controllers!(MyController, "other" => OtherController::new);
/// ai4u_controllers::export_controllers!("line" => LineController::new, "fast" => || LineController::with_speed(2.0));
/// ```
#[macro_export]
macro_rules! export_controllers {
    ($($name:literal => $ctor:expr),+ $(,)?) => {
        $crate::export_controllers!(@emit $(($name, $ctor)),+);
    };
    ($default:ty $(, $name:literal => $ctor:expr)* $(,)?) => {
        $crate::export_controllers!(@emit
            (stringify!($default), <$default as ::core::default::Default>::default)
            $(, ($name, $ctor))*
        );
    };
    (@emit $(($name:expr, $ctor:expr)),+) => {
        /// The ai4u plugin descriptor (see `ai4u_controllers::plugin`).
        #[no_mangle]
        pub static AI4U_PLUGIN_DESCRIPTOR: $crate::plugin::PluginDescriptor =
            $crate::plugin::PluginDescriptor::current();

        #[doc(hidden)]
        const __AI4U_PLUGIN_CONTROLLERS: &[(&str, $crate::plugin::Constructor)] = &[
            $((
                $name,
                || ::std::boxed::Box::new(($ctor)()) as ::std::boxed::Box<dyn $crate::Controller>,
            )),+
        ];

        /// ai4u plugin ABI: the name of controller `index`.
        ///
        /// # Safety
        /// `len` must be null or valid for a write.
        #[no_mangle]
        pub unsafe extern "C" fn ai4u_plugin_controller_name(
            index: usize,
            len: *mut usize,
        ) -> *const u8 {
            // SAFETY: forwarded from this function's own contract.
            unsafe { $crate::plugin::__export::name(__AI4U_PLUGIN_CONTROLLERS, index, len) }
        }

        /// ai4u plugin ABI: builds controller `index`.
        #[no_mangle]
        pub extern "C" fn ai4u_plugin_create(index: usize) -> *mut $crate::plugin::__export::c_void {
            $crate::plugin::__export::create(__AI4U_PLUGIN_CONTROLLERS, index)
        }

        /// ai4u plugin ABI: hands over the message of a panic caught on this thread.
        ///
        /// # Safety
        /// `sink` must be safe to call with `ctx` and a valid UTF-8 byte range.
        #[no_mangle]
        pub unsafe extern "C" fn ai4u_plugin_take_panic(
            sink: $crate::plugin::PanicSink,
            ctx: *mut $crate::plugin::__export::c_void,
        ) -> bool {
            // SAFETY: forwarded from this function's own contract.
            unsafe { $crate::plugin::__export::take_panic(sink, ctx) }
        }
    };
}

/// Exports a single controller type implementing [`Default`] from a `cdylib` crate:
/// `export_controller!(MyController)` is `export_controllers!(MyController)`.
#[macro_export]
macro_rules! export_controller {
    ($default:ty $(,)?) => {
        $crate::export_controllers!($default);
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptor_layout_is_frozen_where_it_must_be() {
        assert_eq!(std::mem::size_of::<PluginDescriptor>(), 192);
        assert_eq!(std::mem::offset_of!(PluginDescriptor, magic), 0);
        assert_eq!(std::mem::offset_of!(PluginDescriptor, abi_version), 8);
        let d = PluginDescriptor::current();
        assert_eq!(d.controllers_version(), CONTROLLERS_VERSION);
        assert!(d.rustc_version().starts_with("rustc "), "{}", d.rustc_version());
        assert_eq!(d.rustc_version(), recorded_rustc_version());
    }

    #[test]
    fn guarded_parks_panics_and_returns_placeholders() {
        struct Bad;
        impl Controller for Bad {
            fn action_space(&self) -> &Space {
                panic!("no space today")
            }
            fn observation_space(&self) -> &Space {
                placeholder_space()
            }
            fn action_name(&self) -> &str {
                "x"
            }
        }
        let mut g = Guarded { inner: ManuallyDrop::new(Box::new(Bad)) };
        let _ = g.action_space();
        unsafe extern "C" fn sink(ctx: *mut c_void, p: *const u8, n: usize) {
            // SAFETY: test-only; `ctx` is the `String` below, `p..p+n` valid per the ABI.
            unsafe {
                let out = &mut *ctx.cast::<String>();
                out.push_str(std::str::from_utf8(std::slice::from_raw_parts(p, n)).unwrap());
            }
        }
        let mut got = String::new();
        // SAFETY: `sink` matches `PanicSink` and `got` outlives the call.
        let taken = unsafe { __export::take_panic(sink, (&mut got as *mut String).cast()) };
        assert!(taken);
        assert_eq!(got, "no space today");
        // SAFETY: as above.
        assert!(!unsafe { __export::take_panic(sink, (&mut got as *mut String).cast()) });
        assert_eq!(g.action_name(), "x");
        assert!(g.step_behavior(&Sample::I64(ndarray::ArrayD::zeros(ndarray::IxDyn(&[1])))).is_err());
    }
}
