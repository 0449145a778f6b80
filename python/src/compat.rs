//! Every call into the appserver API that issue 9 reshapes lives here, so adapting to it is
//! a change to this file (and `py_controller.rs`) only:
//! `VecEnv::reset`/`ParallelEnv::reset` gain `options`. (`StepResult::done`, renamed `ended`,
//! is deliberately not called: the flags are read directly.)

use ai4u_appserver::{Info, ParallelEnv, Result, VecEnv};
use ai4u_core::spaces::Sample;
use ai4u_core::value::Field;
use std::collections::BTreeMap;

/// Today's batch resets take no options: they are dropped here (the Python layer warns
/// when it is given any) until the appserver forwards them.
fn no_options(options: Option<Vec<Field>>) {
    drop(options);
}

pub fn vec_reset(env: &mut VecEnv, seed: Option<u64>, options: Option<Vec<Field>>) -> Result<(Vec<Sample>, Vec<Info>)> {
    no_options(options);
    env.reset(seed)
}

pub type ParallelReset = (BTreeMap<String, Sample>, BTreeMap<String, Info>);

pub fn parallel_reset(env: &mut ParallelEnv, seed: Option<u64>, options: Option<Vec<Field>>) -> Result<ParallelReset> {
    no_options(options);
    env.reset(seed)
}
