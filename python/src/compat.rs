//! The calls into the appserver's batch resets, in one place.

use ai4u_appserver::{Info, ParallelEnv, ParallelReset, Result, VecEnv};
use ai4u_core::spaces::Sample;
use ai4u_core::value::Field;

pub fn vec_reset(env: &mut VecEnv, seed: Option<u64>, options: Option<Vec<Field>>) -> Result<(Vec<Sample>, Vec<Info>)> {
    env.reset(seed, options)
}

pub fn parallel_reset(env: &mut ParallelEnv, seed: Option<u64>, options: Option<Vec<Field>>) -> Result<ParallelReset> {
    env.reset(seed, options)
}
