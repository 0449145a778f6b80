//! Loading controllers from plugins (`cdylib`s built with
//! [`ai4u_controllers::export_controllers!`]).
//!
//! ```no_run
//! use ai4u_appserver::plugin::Plugin;
//!
//! let plugin = Plugin::load("target/release/libai4u_example_plugin.so")?;
//! println!("{:?}", plugin.controllers());
//! let controllers = vec![plugin.create(None)?, plugin.create(Some("line"))?];
//! let handles = ai4u_appserver::startasdaemon(&["0", "1"], controllers)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Plugin::load`] checks the plugin's descriptor (magic, ABI version, compiler, crate
//! version, type layouts: see [`ai4u_controllers::plugin`] for the rules) before it calls
//! anything in the library. Each controller from [`Plugin::create`] is a
//! [`PluginController`]: a plain `Box<dyn Controller>` for `startasdaemon`, which keeps the
//! library loaded while it lives and re-raises a panic caught inside the plugin as an
//! ordinary panic of the server, so the daemon stops only that agent.

use ai4u_controllers::plugin::{
    self as abi, CreateFn, NameFn, PluginDescriptor, TakePanicFn, ABI_VERSION, CONTROLLERS_VERSION, LAYOUT_FINGERPRINT,
    MAGIC,
};
use ai4u_controllers::{Command, Controller, ControllerError, Result as CtlResult};
use ai4u_core::metadata::ModelMetadata;
use ai4u_core::spaces::{Sample, Space};
use ai4u_core::value::State;
use libloading::Library;
use std::ffi::c_void;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Why a plugin could not be loaded or a controller not created. Every variant names the
/// plugin file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PluginError {
    /// The file could not be opened as a shared library.
    #[error("{}: not a loadable library: {source}", path.display())]
    NotALibrary {
        /// The plugin file.
        path: PathBuf,
        /// The loader's reason.
        source: libloading::Error,
    },
    /// A symbol of the plugin ABI is missing.
    #[error("{}: not an ai4u controller plugin: symbol `{symbol}` is missing ({source})", path.display())]
    MissingSymbol {
        /// The plugin file.
        path: PathBuf,
        /// The missing symbol.
        symbol: &'static str,
        /// The loader's reason.
        source: libloading::Error,
    },
    /// The descriptor does not start with the ai4u magic.
    #[error("{}: not an ai4u controller plugin: `{}` starts with {found:02x?}, not {:02x?} (\"AI4UPLUG\")", path.display(), abi::DESCRIPTOR_SYMBOL, MAGIC)]
    BadMagic {
        /// The plugin file.
        path: PathBuf,
        /// The first 8 bytes found.
        found: [u8; 8],
    },
    /// The plugin speaks another plugin ABI version.
    #[error("{}: plugin ABI version mismatch: the plugin has ABI version {plugin}, this server speaks ABI version {server}; rebuild the plugin against ai4u-controllers {}", path.display(), CONTROLLERS_VERSION)]
    AbiVersion {
        /// The plugin file.
        path: PathBuf,
        /// The plugin's value.
        plugin: u32,
        /// This server's value.
        server: u32,
    },
    /// The plugin was built by another rustc.
    #[error("{}: compiler mismatch: the plugin was built by `{plugin}`, this server by `{server}`; Rust trait objects only cross between builds of the same compiler: rebuild the plugin with `{server}`", path.display())]
    Compiler {
        /// The plugin file.
        path: PathBuf,
        /// The plugin's value.
        plugin: String,
        /// This server's value.
        server: String,
    },
    /// The plugin was built against another ai4u-controllers.
    #[error("{}: ai4u-controllers version mismatch: the plugin was built against {plugin}, this server has {server}; rebuild the plugin against ai4u-controllers {server}", path.display())]
    CrateVersion {
        /// The plugin file.
        path: PathBuf,
        /// The plugin's value.
        plugin: String,
        /// This server's value.
        server: String,
    },
    /// Types crossing the boundary have different sizes in the plugin.
    #[error("{}: type layout mismatch (fingerprint {plugin:#018x} in the plugin, {server:#018x} here): build the plugin with the server's Cargo.lock", path.display())]
    Layout {
        /// The plugin file.
        path: PathBuf,
        /// The plugin's value.
        plugin: u64,
        /// This server's value.
        server: u64,
    },
    /// The descriptor is shorter than this ABI version's.
    #[error("{}: corrupt descriptor: it declares {size} bytes, ABI version {} has {expected}", path.display(), ABI_VERSION)]
    Corrupt {
        /// The plugin file.
        path: PathBuf,
        /// The size the descriptor declares.
        size: u32,
        /// The size this ABI version has.
        expected: usize,
    },
    /// The plugin offers no controller, or a name that is not UTF-8.
    #[error("{}: bad controller table: {reason}", path.display())]
    BadTable {
        /// The plugin file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// No controller of that name.
    #[error("{}: no controller named `{name}` (available: {})", path.display(), available.join(", "))]
    UnknownController {
        /// The plugin file.
        path: PathBuf,
        /// The controller name asked for.
        name: String,
        /// The names the plugin offers.
        available: Vec<String>,
    },
    /// The controller's constructor panicked (or returned nothing).
    #[error("{}: the constructor of controller `{name}` panicked: {message}", path.display())]
    ConstructorFailed {
        /// The plugin file.
        path: PathBuf,
        /// The controller name asked for.
        name: String,
        /// The panic's message.
        message: String,
    },
}

/// What a plugin's descriptor says, once checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginInfo {
    /// Plugin ABI version.
    pub abi_version: u32,
    /// The ai4u-controllers version the plugin was built against.
    pub controllers_version: String,
    /// The rustc that built the plugin.
    pub rustc_version: String,
    /// Layout fingerprint of the boundary types.
    pub layout_fingerprint: u64,
}

/// A loaded, checked controller plugin.
pub struct Plugin {
    path: PathBuf,
    info: PluginInfo,
    names: Vec<String>,
    create: CreateFn,
    take_panic: TakePanicFn,
    /// Last: the function pointers above point into it.
    library: Arc<Library>,
}

impl fmt::Debug for Plugin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Plugin")
            .field("path", &self.path)
            .field("info", &self.info)
            .field("controllers", &self.names)
            .finish_non_exhaustive()
    }
}

/// `dlopen("name.so")` searches the system paths, not the current directory: a bare file
/// name given on a command line means the file here.
fn loadable_path(path: &Path) -> PathBuf {
    if path.components().count() == 1 && path.is_relative() {
        Path::new(".").join(path)
    } else {
        path.to_path_buf()
    }
}

/// Looks up a symbol's address.
///
/// # Safety
/// `T` must be the symbol's true type (a function pointer type or a pointer to a static).
unsafe fn symbol<T: Copy>(lib: &Library, path: &Path, name: &'static str) -> Result<T, PluginError> {
    // SAFETY: the caller guarantees `T` is the symbol's type.
    unsafe { lib.get::<T>(name.as_bytes()) }.map(|s| *s).map_err(|source| PluginError::MissingSymbol {
        path: path.to_path_buf(),
        symbol: name,
        source,
    })
}

/// Reads and checks the descriptor at `addr`, field by field, reading only what the
/// checks so far allow.
///
/// # Safety
/// `addr` must be the address of the library's `AI4U_PLUGIN_DESCRIPTOR` symbol and at
/// least 12 bytes readable there (true of any ai4u plugin of any ABI version).
unsafe fn check_descriptor(addr: *const u8, path: &Path) -> Result<PluginInfo, PluginError> {
    let path = || path.to_path_buf();
    // SAFETY: the first 8 bytes of a descriptor of any ABI version are the magic;
    // unaligned reads of plain bytes, any bit pattern is a valid `[u8; 8]`.
    let magic = unsafe { addr.cast::<[u8; 8]>().read_unaligned() };
    if magic != MAGIC {
        return Err(PluginError::BadMagic { path: path(), found: magic });
    }
    // SAFETY: bytes 8..12 are the ABI version in every ABI version; any bits are a u32.
    let abi_version = unsafe { addr.add(8).cast::<u32>().read_unaligned() };
    if abi_version != ABI_VERSION {
        return Err(PluginError::AbiVersion { path: path(), plugin: abi_version, server: ABI_VERSION });
    }
    // SAFETY: same ABI version, so the static is a `PluginDescriptor`: plain integers and
    // byte arrays, for which any bit pattern is valid.
    let d = unsafe { addr.cast::<PluginDescriptor>().read_unaligned() };
    let expected = std::mem::size_of::<PluginDescriptor>();
    if d.size as usize != expected {
        return Err(PluginError::Corrupt { path: path(), size: d.size, expected });
    }
    let info = PluginInfo {
        abi_version,
        controllers_version: d.controllers_version(),
        rustc_version: d.rustc_version(),
        layout_fingerprint: d.layout_fingerprint,
    };
    let server_rustc = abi::recorded_rustc_version();
    if info.rustc_version != server_rustc {
        return Err(PluginError::Compiler { path: path(), plugin: info.rustc_version, server: server_rustc });
    }
    if info.controllers_version != CONTROLLERS_VERSION {
        return Err(PluginError::CrateVersion {
            path: path(),
            plugin: info.controllers_version,
            server: CONTROLLERS_VERSION.to_owned(),
        });
    }
    if info.layout_fingerprint != LAYOUT_FINGERPRINT {
        return Err(PluginError::Layout { path: path(), plugin: info.layout_fingerprint, server: LAYOUT_FINGERPRINT });
    }
    Ok(info)
}

/// Hands a panic message from the plugin to a `String` of ours.
unsafe extern "C" fn string_sink(ctx: *mut c_void, message: *const u8, len: usize) {
    // SAFETY: `ctx` is the `&mut String` given to `take_panic` by `take_panic_message`, and
    // the plugin passes `len` readable bytes at `message` (the `PanicSink` contract). Bytes
    // are copied, never kept. Nothing here can unwind into the plugin's frames.
    unsafe {
        let out = &mut *ctx.cast::<String>();
        let bytes = std::slice::from_raw_parts(message, len);
        out.push_str(&String::from_utf8_lossy(bytes));
    }
}

/// The panic the plugin caught on this thread since the last call, if any.
fn take_panic_message(take_panic: TakePanicFn) -> Option<String> {
    let mut message = String::new();
    // SAFETY: `take_panic` comes from a checked plugin whose library is loaded (callers
    // hold the `Arc<Library>`); `string_sink` matches `PanicSink` and `message` outlives
    // the call.
    let taken = unsafe { take_panic(string_sink, (&mut message as *mut String).cast()) };
    taken.then_some(message)
}

impl Plugin {
    /// Opens the library at `path` and checks its descriptor before anything else; then
    /// resolves the plugin's functions and reads its controller names.
    pub fn load(path: impl AsRef<Path>) -> Result<Plugin, PluginError> {
        let path = path.as_ref().to_path_buf();
        // SAFETY: opening a library runs its initialisers; the user chose to trust this
        // file by passing it as a plugin. Nothing else of the library runs before the
        // descriptor is checked.
        let library = unsafe { Library::new(loadable_path(&path)) }
            .map_err(|source| PluginError::NotALibrary { path: path.clone(), source })?;
        // SAFETY: a static is looked up by address: `*const u8` is its address type.
        let addr: *const u8 = unsafe { symbol(&library, &path, abi::DESCRIPTOR_SYMBOL)? };
        // SAFETY: `addr` is the descriptor symbol of this library; every ai4u plugin's
        // descriptor has at least the 12 bytes read before the ABI version is trusted.
        let info = unsafe { check_descriptor(addr, &path)? };
        // SAFETY: same compiler, crate version and ABI version: the symbols have the
        // types `ai4u_controllers::plugin` declares for them.
        let (name_fn, create, take_panic) = unsafe {
            (
                symbol::<NameFn>(&library, &path, abi::NAME_SYMBOL)?,
                symbol::<CreateFn>(&library, &path, abi::CREATE_SYMBOL)?,
                symbol::<TakePanicFn>(&library, &path, abi::TAKE_PANIC_SYMBOL)?,
            )
        };
        let mut names = Vec::new();
        loop {
            let mut len = 0usize;
            // SAFETY: `name_fn` has type `NameFn`; `len` is valid for a write.
            let ptr = unsafe { name_fn(names.len(), &mut len) };
            if ptr.is_null() {
                break;
            }
            // SAFETY: per `NameFn`, `len` bytes at `ptr` live as long as the library, which
            // is loaded; they are copied at once.
            let bytes = unsafe { std::slice::from_raw_parts(ptr, len) };
            let name = std::str::from_utf8(bytes).map_err(|e| PluginError::BadTable {
                path: path.clone(),
                reason: format!("controller {} has a name that is not UTF-8: {e}", names.len()),
            })?;
            names.push(name.to_owned());
            if names.len() > 10_000 {
                return Err(PluginError::BadTable { path, reason: "more than 10000 controllers".into() });
            }
        }
        if names.is_empty() {
            return Err(PluginError::BadTable { path, reason: "it offers no controller".into() });
        }
        Ok(Plugin { path, info, names, create, take_panic, library: Arc::new(library) })
    }

    /// The file it was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Its checked descriptor.
    pub fn info(&self) -> &PluginInfo {
        &self.info
    }

    /// The names of the controllers it offers; the first is the default.
    pub fn controllers(&self) -> Vec<String> {
        self.names.clone()
    }

    /// The default controller's name.
    pub fn default_controller(&self) -> &str {
        &self.names[0]
    }

    /// A new controller: `name`, or the default one for `None`. The library stays loaded
    /// while the controller lives, even after the `Plugin` is dropped.
    pub fn create(&self, name: Option<&str>) -> Result<Box<dyn Controller>, PluginError> {
        Ok(Box::new(self.create_controller(name)?))
    }

    /// [`create`](Self::create), as the concrete wrapper.
    pub fn create_controller(&self, name: Option<&str>) -> Result<PluginController, PluginError> {
        let index = match name {
            None => 0,
            Some(n) => self.names.iter().position(|x| x == n).ok_or_else(|| PluginError::UnknownController {
                path: self.path.clone(),
                name: n.to_owned(),
                available: self.names.clone(),
            })?,
        };
        let name = self.names[index].clone();
        // SAFETY: `create` has type `CreateFn` (checked plugin) and the library is loaded.
        let raw = unsafe { (self.create)(index) };
        let panic = take_panic_message(self.take_panic);
        if raw.is_null() {
            return Err(PluginError::ConstructorFailed {
                path: self.path.clone(),
                name,
                message: panic.unwrap_or_else(|| "it returned no controller".into()),
            });
        }
        // SAFETY: per `CreateFn`, a non-null result is `Box::into_raw` of a
        // `Box<Box<dyn Controller>>`, built by the same compiler with the same crate
        // version and (rule 3 of the ABI) the same allocator; ownership passes to us.
        let outer = unsafe { Box::from_raw(raw.cast::<Box<dyn Controller>>()) };
        Ok(PluginController { inner: *outer, take_panic: self.take_panic, name, library: Arc::clone(&self.library) })
    }
}

/// A controller created by a [`Plugin`]. Implements [`Controller`] by delegation; keeps the
/// library loaded while it lives; re-raises panics caught in the plugin as panics of the
/// server (so `catch_unwind` around it works as for any controller); turns errors into
/// ones that borrow nothing from the library.
pub struct PluginController {
    /// Declared first, so dropped first: its drop glue and vtable live in the library.
    inner: Box<dyn Controller>,
    /// Points into the library.
    take_panic: TakePanicFn,
    name: String,
    /// Declared last, so dropped last: unloads the library once no controller needs it.
    library: Arc<Library>,
}

impl fmt::Debug for PluginController {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginController")
            .field("name", &self.name)
            .field("library", &self.library)
            .finish_non_exhaustive()
    }
}

/// Our own copy of a callback name (a `&'static str` from the plugin would dangle once it
/// is unloaded).
fn own_callback(name: &str) -> &'static str {
    const NAMES: [&str; 11] = [
        "action_space",
        "observation_space",
        "action_name",
        "check_declaration",
        "handle_configuration",
        "handle_new_episode",
        "handle_end_of_episode",
        "reset_behavior",
        "step_behavior",
        "observation",
        "reward",
    ];
    NAMES.iter().find(|n| **n == name).copied().unwrap_or("a plugin callback")
}

impl PluginController {
    /// The controller's name in its plugin.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Re-raises, as a panic of the server, a panic the plugin caught during the last call.
    fn rethrow(&self) {
        if let Some(message) = take_panic_message(self.take_panic) {
            std::panic::resume_unwind(Box::new(message));
        }
    }

    /// Errors can hold `&'static str`s that point into the library, and may outlive it (a
    /// user keeps an `AppError`): rebuild those from owned text.
    fn own<T>(&self, callback: &'static str, r: CtlResult<T>) -> CtlResult<T> {
        self.rethrow();
        r.map_err(|e| match e {
            ControllerError::Panicked { callback, message } => {
                ControllerError::Panicked { callback: own_callback(callback), message }
            }
            e @ (ControllerError::Value(_) | ControllerError::Space(_)) => {
                let text = e.to_string();
                match callback {
                    "handle_configuration" => ControllerError::Configuration(text),
                    "step_behavior" => ControllerError::Action(text),
                    _ => ControllerError::Observation(text),
                }
            }
            e => e,
        })
    }
}

impl Controller for PluginController {
    fn action_space(&self) -> &Space {
        let r = self.inner.action_space();
        self.rethrow();
        r
    }
    fn observation_space(&self) -> &Space {
        let r = self.inner.observation_space();
        self.rethrow();
        r
    }
    fn action_name(&self) -> &str {
        let r = self.inner.action_name();
        self.rethrow();
        r
    }
    fn handle_configuration(&mut self, id: &str, max_steps: u32, metadata: &ModelMetadata) -> CtlResult<()> {
        let r = self.inner.handle_configuration(id, max_steps, metadata);
        self.own("handle_configuration", r)
    }
    fn check_declaration(&self, metadata: &ModelMetadata) -> CtlResult<()> {
        let r = self.inner.check_declaration(metadata);
        self.own("handle_configuration", r)
    }
    fn handle_new_episode(&mut self, state: &State) {
        self.inner.handle_new_episode(state);
        self.rethrow();
    }
    fn handle_end_of_episode(&mut self, state: &State) {
        self.inner.handle_end_of_episode(state);
        self.rethrow();
    }
    fn reset_behavior(&mut self, state: &State) -> CtlResult<Sample> {
        let r = self.inner.reset_behavior(state);
        self.own("reset_behavior", r)
    }
    fn step_behavior(&mut self, action: &Sample) -> CtlResult<Command> {
        let r = self.inner.step_behavior(action);
        self.own("step_behavior", r)
    }
    fn observation(&mut self, state: &State) -> CtlResult<Sample> {
        let r = self.inner.observation(state);
        self.own("observation", r)
    }
    fn reward(&mut self, reward: f32, state: &State) -> f32 {
        let r = self.inner.reward(reward, state);
        self.rethrow();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_file_names_mean_the_current_directory() {
        assert_eq!(loadable_path(Path::new("libx.so")), Path::new("./libx.so"));
        assert_eq!(loadable_path(Path::new("a/libx.so")), Path::new("a/libx.so"));
        assert_eq!(loadable_path(Path::new("/a/libx.so")), Path::new("/a/libx.so"));
    }

    #[test]
    fn a_text_file_is_not_a_library() {
        let path = std::env::temp_dir().join(format!("ai4u-not-a-lib-{}.so", std::process::id()));
        std::fs::write(&path, "hello").unwrap();
        let err = Plugin::load(&path).unwrap_err();
        std::fs::remove_file(&path).ok();
        assert!(matches!(err, PluginError::NotALibrary { .. }), "{err}");
        let text = err.to_string();
        assert!(text.starts_with(&path.display().to_string()), "{text}");
        assert!(text.contains("not a loadable library"), "{text}");
    }
}
