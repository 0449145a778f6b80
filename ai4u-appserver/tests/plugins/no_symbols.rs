//! A shared library that is not an ai4u plugin: one dummy function.

#[no_mangle]
pub extern "C" fn ai4u_test_dummy() -> i32 {
    42
}
