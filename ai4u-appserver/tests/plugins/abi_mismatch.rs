//! A plugin from a hypothetical future ai4u: plugin ABI version 999. The descriptor is
//! written by hand (no ai4u dependency); only its first 12 bytes (magic, ABI version) are
//! frozen across ABI versions, so a loader must stop reading after them.

/// Magic, ABI version, then bytes this test never wants read.
#[repr(C)]
pub struct FutureDescriptor {
    pub magic: [u8; 8],
    pub abi_version: u32,
    pub future: [u8; 180],
}

#[no_mangle]
pub static AI4U_PLUGIN_DESCRIPTOR: FutureDescriptor = FutureDescriptor {
    magic: *b"AI4UPLUG",
    abi_version: 999,
    future: [0xff; 180],
};

/// Calling anything before checking the ABI version would end the test process.
#[no_mangle]
pub extern "C" fn ai4u_plugin_controller_name(_index: usize, _len: *mut usize) -> *const u8 {
    std::process::abort()
}

/// As above.
#[no_mangle]
pub extern "C" fn ai4u_plugin_create(_index: usize) -> *mut u8 {
    std::process::abort()
}
