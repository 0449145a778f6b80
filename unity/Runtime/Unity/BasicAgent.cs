using System;
using System.Collections.Generic;
using UnityEngine;

namespace Ai4u.Unity
{
    /// <summary>
    /// A Unity agent: the core <see cref="Agent"/> plus the sensors, actuators and reward
    /// functions found on this GameObject and its children. Sensors sharing a field name
    /// are concatenated into one float vector (the SampleScene's <c>array</c> is orientation
    /// + on-ground + last action). Subclass it, or listen to its events, for custom logic;
    /// the AI4U-style helpers (SetStateAs*, GetActionArgAs*) forward to the core agent.
    /// </summary>
    [AddComponentMenu("AI4U/Basic Agent")]
    public class BasicAgent : MonoBehaviour, IAgentBody
    {
        [Tooltip("The id the controller knows this agent by (unique per connection).")]
        public string agentId = "0";
        [Tooltip("Episode length in decisions (0 = no limit); the controller's max_steps overrides it.")]
        public int maxSteps = 3000;
        [Tooltip("Physics frames per decision; the controller's frame_skip overrides it.")]
        public int frameSkip = 4;
        [Tooltip("Apply the action on every frame of a decision; the controller's repeat_action overrides it.")]
        public bool repeatAction = true;

        Agent core;
        readonly List<Sensor> sensors = new List<Sensor>();
        readonly List<Actuator> actuators = new List<Actuator>();
        readonly List<RewardFunc> rewards = new List<RewardFunc>();
        readonly List<VectorGroup> groups = new List<VectorGroup>();
        readonly HashSet<string> warned = new HashSet<string>();

        /// <summary>Several vector sensors writing one float-array field.</summary>
        sealed class VectorGroup
        {
            public string Name;
            public readonly List<VectorSensor> Parts = new List<VectorSensor>();
            public float[] Buffer;
            public int[] Shape;
        }

        /// <summary>An episode began (after the scene parts were reset). Arguments: agent, reset fields.</summary>
        public event Action<BasicAgent, List<Field>> OnEpisodeBegin;
        /// <summary>An episode ended (done, truncated, reset or stopped).</summary>
        public event Action<BasicAgent> OnEpisodeEnd;
        /// <summary>A decision begins: its action is about to be applied.</summary>
        public event Action<BasicAgent> OnStepBegin;
        /// <summary>A decision ended: steps grew by one.</summary>
        public event Action<BasicAgent> OnStepEnd;

        /// <summary>The engine-agnostic agent (built on first use from this component's settings and parts).</summary>
        public Agent CoreAgent
        {
            get
            {
                if (core == null) Setup();
                return core;
            }
        }

        /// <summary>The seed of the current episode's reset, or null.</summary>
        public long? EpisodeSeed { get; private set; }

        /// <summary>The actuator parts (for the last-action sensor).</summary>
        public IList<Actuator> Actuators { get { return actuators; } }

        /// <summary>
        /// Finds the parts and builds the core agent and its metadata. Called lazily; call it
        /// again after adding parts at run time (before connecting).
        /// </summary>
        public void Setup()
        {
            sensors.Clear(); actuators.Clear(); rewards.Clear(); groups.Clear();
            GetComponentsInChildren(true, sensors);
            GetComponentsInChildren(true, actuators);
            GetComponentsInChildren(true, rewards);
            var metadata = new ModelMetadata();
            foreach (var s in sensors)
            {
                s.Bind(this);
                var v = s as VectorSensor;
                if (v == null)
                {
                    s.Declare(metadata.Inputs);
                    continue;
                }
                var g = groups.Find(x => x.Name == v.fieldName);
                if (g == null)
                {
                    g = new VectorGroup { Name = v.fieldName };
                    groups.Add(g);
                }
                g.Parts.Add(v);
            }
            foreach (var g in groups)
            {
                int size = 0;
                float lo = float.MaxValue, hi = float.MinValue;
                foreach (var p in g.Parts)
                {
                    size += p.Size;
                    lo = Mathf.Min(lo, p.rangeMin);
                    hi = Mathf.Max(hi, p.rangeMax);
                }
                g.Buffer = new float[size];
                // A lone sensor keeps its own shape (the ray grid's [10, 10, 1]); a group is a vector.
                g.Shape = g.Parts.Count == 1 ? g.Parts[0].Shape : new[] { size };
                metadata.Inputs.Add(new InputSpec(g.Name, ValueKind.FloatArray, g.Shape, lo, hi));
            }
            foreach (var a in actuators)
            {
                a.Bind(this);
                metadata.Outputs.Add(a.Spec());
            }
            foreach (var r in rewards) r.Bind(this);

            core = new Agent(agentId, metadata, this)
            {
                MaxSteps = (uint)Mathf.Max(0, maxSteps),
                FrameSkip = Mathf.Max(1, frameSkip),
                RepeatAction = repeatAction,
            };
            core.EpisodeEnd += a => { if (OnEpisodeEnd != null) OnEpisodeEnd(this); };
            core.StepBegin += a => { if (OnStepBegin != null) OnStepBegin(this); };
            core.StepEnd += a => { if (OnStepEnd != null) OnStepEnd(this); };
        }

        // ------------------------------------------------------------ IAgentBody

        void IAgentBody.OnEpisodeBegin(Agent agent, List<Field> resetFields)
        {
            var seed = Field.Find(resetFields, "seed");
            EpisodeSeed = seed != null && seed.Value.Kind == ValueKind.Int ? seed.Value.IntValue : (long?)null;
            // The scene first (positions), then the parts (they may read the new positions).
            foreach (var l in GetComponentsInParent<IEpisodeListener>(true)) l.OnEpisodeBegin(this, resetFields);
            foreach (var s in sensors) s.OnEpisodeBegin();
            foreach (var a in actuators) a.OnEpisodeBegin();
            foreach (var r in rewards) r.OnEpisodeBegin();
            if (OnEpisodeBegin != null) OnEpisodeBegin(this, resetFields);
        }

        void IAgentBody.ApplyAction(Agent agent, bool firstFrame)
        {
            string name = agent.GetActionName();
            foreach (var a in actuators)
            {
                if (a.actionName != name) continue;
                a.Act(agent, firstFrame);
                return;
            }
            if (warned.Add(name ?? ""))
                Debug.LogWarning(string.Format("[ai4u] agent {0} has no actuator for action `{1}`", agentId, name));
        }

        void IAgentBody.OnPhysicsFrame(Agent agent)
        {
            foreach (var r in rewards)
                if (r.isActiveAndEnabled) r.OnPhysicsFrame(agent);
        }

        void IAgentBody.OnDecisionEnd(Agent agent)
        {
            foreach (var r in rewards)
                if (r.isActiveAndEnabled) r.OnDecisionEnd(agent);
        }

        void IAgentBody.UpdateState(Agent agent)
        {
            foreach (var g in groups)
            {
                int at = 0;
                foreach (var p in g.Parts)
                {
                    p.Read(g.Buffer, at);
                    at += p.Size;
                }
                agent.SetStateAsFloatArray(g.Name, g.Buffer, g.Shape);
            }
            foreach (var s in sensors)
                if (!(s is VectorSensor)) s.Collect(agent);
            UpdateState();
        }

        /// <summary>Override to add readings of your own with the SetStateAs* helpers (called before each report).</summary>
        protected virtual void UpdateState() { }

        // ------------------------------------------------------------ AI4U-style helpers

        /// <summary>Adds reward for the current decision.</summary>
        public void AddReward(float r) { CoreAgent.AddReward(r); }
        /// <summary>Ends the episode by the task's rule (terminated).</summary>
        public void EndEpisode() { CoreAgent.EndEpisode(); }
        /// <summary>Sets a float reading.</summary>
        public void SetStateAsFloat(string name, float v) { CoreAgent.SetStateAsFloat(name, v); }
        /// <summary>Sets an int reading.</summary>
        public void SetStateAsInt(string name, long v) { CoreAgent.SetStateAsInt(name, v); }
        /// <summary>Sets a bool reading.</summary>
        public void SetStateAsBool(string name, bool v) { CoreAgent.SetStateAsBool(name, v); }
        /// <summary>Sets a string reading.</summary>
        public void SetStateAsString(string name, string v) { CoreAgent.SetStateAsString(name, v); }
        /// <summary>Sets a byte-array reading.</summary>
        public void SetStateAsByteArray(string name, byte[] v) { CoreAgent.SetStateAsByteArray(name, v); }
        /// <summary>Sets a float-array reading (copied).</summary>
        public void SetStateAsFloatArray(string name, float[] v, params int[] shape) { CoreAgent.SetStateAsFloatArray(name, v, shape); }
        /// <summary>Sets an image reading.</summary>
        public void SetStateAsImage(string name, int width, int height, int channels, byte[] data, ImageEncoding encoding = ImageEncoding.Raw)
        {
            CoreAgent.SetStateAsImage(name, width, height, channels, data, encoding);
        }
        /// <summary>The current action's name.</summary>
        public string GetActionName() { return CoreAgent.GetActionName(); }
        /// <summary>Argument i as a float (element i of a single array argument).</summary>
        public float GetActionArgAsFloat(int i = 0) { return CoreAgent.GetActionArgAsFloat(i); }
        /// <summary>Argument i as an int.</summary>
        public int GetActionArgAsInt(int i = 0) { return CoreAgent.GetActionArgAsInt(i); }
        /// <summary>Argument i as a bool.</summary>
        public bool GetActionArgAsBool(int i = 0) { return CoreAgent.GetActionArgAsBool(i); }
        /// <summary>Argument i as a string.</summary>
        public string GetActionArgAsString(int i = 0) { return CoreAgent.GetActionArgAsString(i); }
        /// <summary>Argument i as a float array.</summary>
        public float[] GetActionArgAsFloatArray(int i = 0) { return CoreAgent.GetActionArgAsFloatArray(i); }
    }

    /// <summary>Scene objects that reset their part of the world when an agent's episode begins (e.g. the SampleScene area).</summary>
    public interface IEpisodeListener
    {
        /// <summary>Reset for a new episode; a <c>seed</c> int field makes it reproducible.</summary>
        void OnEpisodeBegin(BasicAgent agent, List<Field> resetFields);
    }
}
