using UnityEngine;

namespace Ai4u.Unity
{
    /// <summary>Base of reward functions: called per simulated physics frame and per completed decision.</summary>
    public abstract class RewardFunc : MonoBehaviour
    {
        /// <summary>The agent this reward belongs to.</summary>
        protected BasicAgent Owner { get; private set; }

        internal void Bind(BasicAgent agent) { Owner = agent; }

        /// <summary>A physics frame of a decision was simulated.</summary>
        public virtual void OnPhysicsFrame(Agent agent) { }

        /// <summary>A decision completed.</summary>
        public virtual void OnDecisionEnd(Agent agent) { }

        /// <summary>A new episode began.</summary>
        public virtual void OnEpisodeBegin() { }
    }

    /// <summary>A fixed reward per decision (the SampleScene's -0.01).</summary>
    [AddComponentMenu("AI4U/Rewards/Step Reward")]
    public class StepReward : RewardFunc
    {
        public float reward = SampleSceneSpec.StepReward;

        public override void OnDecisionEnd(Agent agent) { agent.AddReward(reward); }
    }

    /// <summary>
    /// Touching a target: within <see cref="distance"/> of its centre on the XZ plane and not
    /// more than <see cref="maxHeight"/> above it gives <see cref="reward"/> and (by default)
    /// ends the episode. Checked geometrically each frame rather than with OnCollisionEnter,
    /// so it is the same rule as the headless scene and does not depend on contact events.
    /// </summary>
    [AddComponentMenu("AI4U/Rewards/Touch Reward")]
    public class TouchReward : RewardFunc
    {
        public Transform target;
        public float reward = SampleSceneSpec.TouchReward;
        public float distance = SampleSceneSpec.TouchDistance;
        public float maxHeight = SampleSceneSpec.TouchMaxHeight;
        public bool endsEpisode = true;

        public override void OnPhysicsFrame(Agent agent)
        {
            if (target == null) return;
            var d = transform.position - target.position;
            if (d.x * d.x + d.z * d.z > distance * distance || d.y > maxHeight) return;
            agent.AddReward(reward);
            if (endsEpisode) agent.EndEpisode();
        }
    }

    /// <summary>Falling: the agent's feet below <see cref="height"/> gives <see cref="reward"/> and ends the episode.</summary>
    [AddComponentMenu("AI4U/Rewards/Fall Reward")]
    public class FallReward : RewardFunc
    {
        public float height = SampleSceneSpec.FallHeight;
        public float reward = SampleSceneSpec.FallReward;
        public bool endsEpisode = true;

        public override void OnPhysicsFrame(Agent agent)
        {
            if (transform.position.y >= height) return;
            agent.AddReward(reward);
            if (endsEpisode) agent.EndEpisode();
        }
    }

    /// <summary>
    /// Shaping: each decision that brings the agent closer to the target than ever before in
    /// the episode earns <c>scale × (best - distance)</c>. Not part of the SampleScene contract
    /// (off there); useful for learning from scratch.
    /// </summary>
    [AddComponentMenu("AI4U/Rewards/Min Distance Reward")]
    public class MinDistanceReward : RewardFunc
    {
        public Transform target;
        public float scale = 0.1f;
        float best = float.MaxValue;

        public override void OnEpisodeBegin() { best = float.MaxValue; }

        public override void OnDecisionEnd(Agent agent)
        {
            if (target == null) return;
            var d = target.position - transform.position;
            float dist = new Vector2(d.x, d.z).magnitude;
            if (best == float.MaxValue) { best = dist; return; }
            if (dist < best)
            {
                agent.AddReward(scale * (best - dist));
                best = dist;
            }
        }
    }
}
