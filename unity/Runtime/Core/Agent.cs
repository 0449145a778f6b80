using System;
using System.Collections.Generic;

namespace Ai4u
{
    /// <summary>Where an agent is in its lifecycle (PROTOCOL.md §5).</summary>
    public enum AgentPhase
    {
        /// <summary>No episode; the initial state, and the state after an episode's last tick.</summary>
        Idle,
        /// <summary>In an episode.</summary>
        Running,
        /// <summary>In an episode, paused by the controller: no actions, no steps.</summary>
        Paused,
        /// <summary>The controller is done with the agent; it never appears in a tick again.</summary>
        Stopped,
    }

    /// <summary>
    /// The scene side of an agent: what the engine does when the lifecycle needs it. Unity's
    /// <c>BasicAgent</c> and the headless test scene implement it.
    /// </summary>
    public interface IAgentBody
    {
        /// <summary>A new episode starts: reset the agent and its part of the scene (a <c>seed</c> int field reseeds it).</summary>
        void OnEpisodeBegin(Agent agent, List<Field> resetFields);
        /// <summary>Apply the current action (<see cref="Agent.GetActionName"/>, the arg getters) for the coming physics frame; <paramref name="firstFrame"/> is its first application in the decision. An Act that drives several actuators calls it once per actuator.</summary>
        void ApplyAction(Agent agent, bool firstFrame);
        /// <summary>A physics frame of a decision was simulated: add rewards, call <see cref="Agent.EndEpisode"/> if the task ended.</summary>
        void OnPhysicsFrame(Agent agent);
        /// <summary>A decision completed (all its frames simulated): add per-decision rewards.</summary>
        void OnDecisionEnd(Agent agent);
        /// <summary>Fill the sensor readings with the <c>SetStateAs*</c> methods; called before each tick that reports the agent's state.</summary>
        void UpdateState(Agent agent);
    }

    /// <summary>
    /// An engine-side agent as a plain class: its id and metadata, its lifecycle (idle,
    /// running, paused, stopped), episode bookkeeping (steps, reward since the last decision,
    /// done/truncated, max steps), the decision period (frame skip, action repeat), the sensor
    /// readings of the next tick and the action being applied. A <see cref="TickRequestor"/>
    /// drives it one physics frame at a time.
    /// </summary>
    public class Agent
    {
        static readonly List<Field> NoFields = new List<Field>();

        readonly List<Field> state = new List<Field>();
        readonly AgentState wire = new AgentState();

        bool newEpisode;        // reset, no Act yet: reported as NewEpisode, aligned with the others
        int framesLeft;         // frames left in the current period; 0 = a decision is due
        bool appliedOnce;       // the current action was applied at least once
        // An Act with no name drives several actuators: one single-actuator Act per field,
        // and the one being applied (what GetActionName and the arg getters read).
        readonly List<Command> actionParts = new List<Command>();
        Command applying;
        bool periodIsDecision;  // the period was started by an Act (not a realtime Wait)
        bool declaredSaved;     // the settings below, as the engine declared them, are saved
        uint declaredMaxSteps;
        int declaredFrameSkip;
        bool declaredRepeat;

        /// <summary>Creates an idle agent.</summary>
        public Agent(string id, ModelMetadata metadata, IAgentBody body)
        {
            if (string.IsNullOrEmpty(id)) throw new ArgumentException("an agent needs an id");
            if (body == null) throw new ArgumentNullException("body");
            Id = id;
            OwnId = id;
            Metadata = metadata ?? new ModelMetadata();
            Body = body;
            wire.Id = id;
        }

        /// <summary>The id the controller knows the agent by: <see cref="OwnId"/> after the
        /// connection's id prefix (<see cref="ConnectionSettings.IdPrefix"/>).</summary>
        public string Id { get; private set; }
        /// <summary>The id the agent was created with, before any prefix.</summary>
        public string OwnId { get; private set; }

        /// <summary>Sets <see cref="Id"/> to <paramref name="prefix"/> + <see cref="OwnId"/>
        /// (so several instances of one game can serve one controller: w0-0, w1-0, ...).</summary>
        public void ApplyIdPrefix(string prefix)
        {
            Id = (prefix ?? "") + OwnId;
            wire.Id = Id;
        }
        /// <summary>Declared sensors and actuators.</summary>
        public ModelMetadata Metadata { get; private set; }
        /// <summary>The scene side.</summary>
        public IAgentBody Body { get; private set; }

        /// <summary>Episode length in decisions (0 = no limit); the Welcome's <c>max_steps</c> overrides it.</summary>
        public uint MaxSteps;
        /// <summary>Physics frames per decision (≥ 1); the Welcome's <c>frame_skip</c> overrides it.</summary>
        public int FrameSkip = 1;
        /// <summary>Apply the action on every frame of a decision (else on its first only); the Welcome's <c>repeat_action</c> overrides it.</summary>
        public bool RepeatAction = true;

        /// <summary>The lifecycle phase.</summary>
        public AgentPhase Phase { get; private set; }
        /// <summary>Actions taken in the current (or last) episode.</summary>
        public uint Steps { get; private set; }
        /// <summary>Reward summed since the last decision was reported.</summary>
        public float Reward { get; private set; }
        /// <summary>Reward summed over the current (or last) episode.</summary>
        public float EpisodeReturn { get; private set; }
        /// <summary>Episodes started since the agent was created.</summary>
        public int EpisodeCount { get; private set; }
        /// <summary>The episode ended by the task's rule (terminated).</summary>
        public bool Done { get; private set; }
        /// <summary>The episode was cut off by <see cref="MaxSteps"/>.</summary>
        public bool Truncated { get; private set; }
        /// <summary>The Act being applied, or null (no action yet this episode).</summary>
        public Command CurrentAction { get; private set; }
        /// <summary>The sensor readings sent in the next tick, in the order they were first set.</summary>
        public List<Field> State { get { return state; } }

        /// <summary>An episode started (after the scene was reset); the reset fields are in the argument.</summary>
        public event Action<Agent, List<Field>> EpisodeBegin;
        /// <summary>An episode ended (done, truncated, reset or stopped mid-episode).</summary>
        public event Action<Agent> EpisodeEnd;
        /// <summary>A decision starts: an Act was accepted (a realtime Wait that keeps the last action going is no decision).</summary>
        public event Action<Agent> StepBegin;
        /// <summary>A decision completed: steps grew by one.</summary>
        public event Action<Agent> StepEnd;

        /// <summary>The Hello entry for this agent.</summary>
        public AgentInfo ToAgentInfo()
        {
            return new AgentInfo { Id = Id, MaxSteps = MaxSteps, Metadata = Metadata };
        }

        /// <summary>
        /// Applies a Welcome config (max_steps, frame_skip, repeat_action) over the settings the
        /// engine declared (a previous connection's config does not stay). A field of the wrong
        /// kind or out of range is ignored, frame_skip 0 counts as 1, and of two fields with the
        /// same name the first counts (PROTOCOL.md §5); unknown fields are ignored.
        /// </summary>
        public void ApplyConfig(List<Field> fields)
        {
            if (!declaredSaved)
            {
                declaredMaxSteps = MaxSteps;
                declaredFrameSkip = FrameSkip;
                declaredRepeat = RepeatAction;
                declaredSaved = true;
            }
            MaxSteps = declaredMaxSteps;
            FrameSkip = declaredFrameSkip;
            RepeatAction = declaredRepeat;
            long n;
            if (ConfigInt(fields, "max_steps", out n)) MaxSteps = (uint)n;
            if (ConfigInt(fields, "frame_skip", out n)) FrameSkip = (int)Math.Min(int.MaxValue, n);
            FrameSkip = Math.Max(1, FrameSkip);
            var f = Field.Find(fields, "repeat_action");
            if (f != null && f.Value.Kind == ValueKind.Bool) RepeatAction = f.Value.BoolValue;
        }

        static bool ConfigInt(List<Field> fields, string name, out long n)
        {
            var f = Field.Find(fields, name);
            n = f != null && f.Value.Kind == ValueKind.Int ? f.Value.IntValue : -1;
            return n >= 0 && n <= uint.MaxValue;
        }

        // ------------------------------------------------------------ rewards and ending

        /// <summary>Adds to the reward reported at the next decision.</summary>
        public void AddReward(float r)
        {
            Reward += r;
            EpisodeReturn += r;
        }

        /// <summary>Ends the episode by the task's rule (terminated); the current decision is reported at once.</summary>
        public void EndEpisode() { Done = true; }

        // ------------------------------------------------------------ state setters (AI4U style)

        Field Slot(string name)
        {
            for (int i = 0; i < state.Count; i++)
                if (state[i].Name == name) return state[i];
            return null;
        }

        void Put(string name, Value v)
        {
            var f = Slot(name);
            if (f == null) state.Add(new Field(name, v));
            else f.Value = v;
        }

        /// <summary>Sets a float reading.</summary>
        public void SetStateAsFloat(string name, float v)
        {
            var f = Slot(name);
            if (f == null || !f.Value.TryOverwrite(v)) Put(name, Value.Float(v));
        }

        /// <summary>Sets an int reading (i64 on the wire).</summary>
        public void SetStateAsInt(string name, long v)
        {
            var f = Slot(name);
            if (f == null || !f.Value.TryOverwrite(v)) Put(name, Value.Int(v));
        }

        /// <summary>Sets a bool reading.</summary>
        public void SetStateAsBool(string name, bool v)
        {
            var f = Slot(name);
            if (f == null || !f.Value.TryOverwrite(v)) Put(name, Value.Bool(v));
        }

        /// <summary>Sets a string reading.</summary>
        public void SetStateAsString(string name, string v) { Put(name, Value.String(v)); }

        /// <summary>Sets a bytes reading (the array is kept until the next tick is sent; do not change it before).</summary>
        public void SetStateAsByteArray(string name, byte[] v) { Put(name, Value.Bytes(v)); }

        /// <summary>
        /// Sets a float-array reading, copying <paramref name="data"/>; without a shape it is
        /// one-dimensional. Same name and shape as before → copied into the previous buffer.
        /// </summary>
        public void SetStateAsFloatArray(string name, float[] data, params int[] shape)
        {
            var f = Slot(name);
            if (f != null && SameShape(f.Value, shape, data.Length) && f.Value.TryOverwrite(data)) return;
            Put(name, Value.FloatArray((float[])data.Clone(), shape));
        }

        /// <summary>Sets an int-array reading (copied); without a shape it is one-dimensional.</summary>
        public void SetStateAsIntArray(string name, int[] data, params int[] shape)
        {
            Put(name, Value.IntArray((int[])data.Clone(), shape));
        }

        /// <summary>Sets an image reading (raw u8/f32 HWC top row first, or a PNG file). The array is kept, not copied.</summary>
        public void SetStateAsImage(string name, int width, int height, int channels, byte[] data,
                                    ImageEncoding encoding = ImageEncoding.Raw, PixelType pixel = PixelType.U8)
        {
            Put(name, Value.Image(width, height, channels, pixel, encoding, data));
        }

        /// <summary>Sets a reading of any kind.</summary>
        public void SetState(string name, Value v) { Put(name, v); }

        /// <summary>Forgets all readings.</summary>
        public void ClearState() { state.Clear(); }

        static bool SameShape(Value v, int[] shape, int length)
        {
            if (v.Kind != ValueKind.FloatArray) return false;
            if (shape == null || shape.Length == 0) return v.Shape.Length == 1 && v.Shape[0] == length;
            if (v.Shape.Length != shape.Length) return false;
            for (int i = 0; i < shape.Length; i++)
                if (v.Shape[i] != shape[i]) return false;
            return true;
        }

        // ------------------------------------------------------------ action getters (AI4U style)

        /// <summary>The current action's name (the actuator), or null when there is none.</summary>
        public string GetActionName() { var a = applying ?? CurrentAction; return a == null ? null : a.ActionName; }

        /// <summary>The current action's arguments (empty when there is none).</summary>
        public IList<Value> GetActionArgs() { var a = applying ?? CurrentAction; return a == null ? (IList<Value>)new Value[0] : a.Args; }

        /// <summary>The actuators the current decision drives, each as a single-actuator Act: one entry for a named Act, one per field for an Act with no name (several actuators).</summary>
        public IList<Command> GetActions()
        {
            if (CurrentAction == null) return new Command[0];
            return string.IsNullOrEmpty(CurrentAction.ActionName) ? (IList<Command>)actionParts.AsReadOnly() : new[] { CurrentAction };
        }

        // AI4U semantics: "if message content is an array, the index of the returned element".
        // So with a single array argument, i indexes into it; otherwise i picks the argument.
        Value Arg(int i)
        {
            var args = GetActionArgs();
            if (args.Count == 0) throw new InvalidOperationException("agent " + Id + " has no action");
            if (i < 0 || i >= args.Count) throw new IndexOutOfRangeException("action `" + GetActionName() + "` has " + args.Count + " arguments, no argument " + i);
            return args[i];
        }

        bool SingleArray(out Value v)
        {
            var args = GetActionArgs();
            v = args.Count == 1 ? args[0] : null;
            return v != null && (v.Kind == ValueKind.FloatArray || v.Kind == ValueKind.IntArray);
        }

        /// <summary>Argument <paramref name="i"/> as a float, or element i of a single array argument.</summary>
        public float GetActionArgAsFloat(int i = 0)
        {
            Value v;
            if (SingleArray(out v)) return v.Kind == ValueKind.FloatArray ? v.FloatData[i] : v.IntData[i];
            return Arg(i).AsFloat();
        }

        /// <summary>Argument <paramref name="i"/> as an int, or element i of a single array argument.</summary>
        public int GetActionArgAsInt(int i = 0)
        {
            Value v;
            if (SingleArray(out v)) return v.Kind == ValueKind.IntArray ? v.IntData[i] : (int)v.FloatData[i];
            return Arg(i).AsInt();
        }

        /// <summary>Argument <paramref name="i"/> as a bool.</summary>
        public bool GetActionArgAsBool(int i = 0) { return Arg(i).AsBool(); }

        /// <summary>Argument <paramref name="i"/> as a string.</summary>
        public string GetActionArgAsString(int i = 0)
        {
            var v = Arg(i);
            if (v.Kind != ValueKind.String) throw new InvalidCastException("action argument " + i + " is a " + v.Kind + ", not a string");
            return v.StringValue;
        }

        /// <summary>Argument <paramref name="i"/> as a float array (not copied for float arrays).</summary>
        public float[] GetActionArgAsFloatArray(int i = 0) { return Arg(i).AsFloatArray(); }

        /// <summary>Argument <paramref name="i"/> as an int array.</summary>
        public int[] GetActionArgAsIntArray(int i = 0)
        {
            var v = Arg(i);
            if (v.Kind != ValueKind.IntArray) throw new InvalidCastException("action argument " + i + " is a " + v.Kind + ", not an int array");
            return v.IntData;
        }

        /// <summary>A named field of the current action, or null.</summary>
        public Value GetActionField(string name)
        {
            var f = CurrentAction == null ? null : Field.Find(CurrentAction.Fields, name);
            return f == null ? null : f.Value;
        }

        // ------------------------------------------------------------ lifecycle (driven by TickRequestor)

        /// <summary>Back to idle, as after a (re)connection: no episode, no action.</summary>
        internal void ResetToIdle()
        {
            Phase = AgentPhase.Idle;
            newEpisode = appliedOnce = periodIsDecision = false;
            framesLeft = 0;
            CurrentAction = null;
            // A new connection knows nothing of the last one's episodes.
            Steps = 0;
            Reward = 0;
            Done = Truncated = false;
        }

        /// <summary>In an episode that has had its first Act: what a new episode aligns with.</summary>
        internal bool IsActing { get { return Phase == AgentPhase.Running && !newEpisode; } }

        /// <summary>No frames of a period left: a decision is due.</summary>
        internal bool DecisionDue { get { return framesLeft == 0; } }

        /// <summary>
        /// Called once per physics frame, first: accounts for the frame just simulated (reward,
        /// the task's end, the end of the decision period and max steps).
        /// </summary>
        internal void AccountFrame()
        {
            if (Phase != AgentPhase.Running || framesLeft == 0) return;
            Body.OnPhysicsFrame(this);
            framesLeft--;
            // An episode that ended mid-period reports at once rather than after the period.
            if (Done) framesLeft = 0;
            if (framesLeft > 0) return;
            if (periodIsDecision)
            {
                Steps++;
                Body.OnDecisionEnd(this);
                if (StepEnd != null) StepEnd(this);
            }
            if (!Done && MaxSteps > 0 && Steps >= MaxSteps) Truncated = true;
        }

        /// <summary>
        /// The agent's tick entry when it is due, else null. <paramref name="aligned"/>: the
        /// connection's acting agents have a decision due now (or none is acting), so a fresh
        /// episode reports in this tick (PROTOCOL.md §5, aligned episodes).
        /// </summary>
        internal AgentState PrepareTick(bool aligned)
        {
            wire.Fields = NoFields;
            switch (Phase)
            {
                case AgentPhase.Stopped:
                    return null;
                case AgentPhase.Idle:
                    return Report(AgentStatus.Idle, false);
                case AgentPhase.Paused:
                    return Report(AgentStatus.Paused, true);
            }
            if (newEpisode) return aligned ? Report(AgentStatus.NewEpisode, true) : null;
            return framesLeft == 0 ? Report(AgentStatus.Step, true) : null;
        }

        AgentState Report(AgentStatus status, bool withState)
        {
            if (withState)
            {
                Body.UpdateState(this);
                wire.Fields = state;
            }
            wire.Status = status;
            wire.Reward = Reward;
            wire.Done = Done;
            wire.Truncated = Truncated;
            wire.Steps = Steps;
            return wire;
        }

        /// <summary>The tick carrying the agent was sent: the reward is reported, and an ended episode is over.</summary>
        internal void AfterTickSent()
        {
            Reward = 0;
            if (Phase == AgentPhase.Running && (Done || Truncated))
            {
                Phase = AgentPhase.Idle;
                if (EpisodeEnd != null) EpisodeEnd(this);
            }
        }

        /// <summary>Applies the controller's command for this agent (Wait when it sent none).</summary>
        internal void Apply(Command c, Mode mode)
        {
            switch (c.Kind)
            {
                case CommandKind.Reset:
                    if (Phase == AgentPhase.Stopped) return;
                    if (Phase == AgentPhase.Running || Phase == AgentPhase.Paused)
                        if (EpisodeEnd != null) EpisodeEnd(this);
                    Steps = 0;
                    Reward = 0;
                    EpisodeReturn = 0;
                    Done = Truncated = false;
                    CurrentAction = null;
                    framesLeft = 0;
                    appliedOnce = periodIsDecision = false;
                    EpisodeCount++;
                    Body.OnEpisodeBegin(this, c.Fields);
                    if (EpisodeBegin != null) EpisodeBegin(this, c.Fields);
                    Phase = AgentPhase.Running;
                    newEpisode = true;
                    break;
                case CommandKind.Act:
                    if (Phase != AgentPhase.Running || framesLeft != 0) return;
                    CurrentAction = c;
                    actionParts.Clear();
                    if (string.IsNullOrEmpty(c.ActionName))
                        foreach (var f in c.Fields) actionParts.Add(Command.Act(f.Name, new[] { f.Value }));
                    newEpisode = false;
                    appliedOnce = false;
                    periodIsDecision = true;
                    framesLeft = FrameSkip;
                    if (StepBegin != null) StepBegin(this);
                    break;
                case CommandKind.Wait:
                    // Lockstep: no decision yet, the agent stays due. Realtime: the last action
                    // goes on for another period, which is no new decision (no step).
                    if (mode == Mode.Realtime && Phase == AgentPhase.Running && framesLeft == 0 && !newEpisode && CurrentAction != null)
                    {
                        periodIsDecision = false;
                        framesLeft = FrameSkip;
                    }
                    break;
                case CommandKind.Pause:
                    if (Phase == AgentPhase.Running) Phase = AgentPhase.Paused;
                    break;
                case CommandKind.Resume:
                    if (Phase == AgentPhase.Paused) Phase = AgentPhase.Running;
                    break;
                case CommandKind.Stop:
                    if (Phase == AgentPhase.Running || Phase == AgentPhase.Paused)
                        if (EpisodeEnd != null) EpisodeEnd(this);
                    Phase = AgentPhase.Stopped;
                    newEpisode = false;
                    framesLeft = 0;
                    break;
            }
        }

        /// <summary>Called once per physics frame after the reply: applies the action for the frame about to be simulated.</summary>
        internal void ApplyFrameAction()
        {
            if (Phase != AgentPhase.Running || framesLeft == 0 || CurrentAction == null) return;
            if (RepeatAction || !appliedOnce)
            {
                if (string.IsNullOrEmpty(CurrentAction.ActionName))
                {
                    // Several actuators in one decision: each field names one and carries its
                    // one argument; the body sees them one at a time as the current action.
                    foreach (var part in actionParts)
                    {
                        applying = part;
                        Body.ApplyAction(this, !appliedOnce);
                    }
                    applying = null;
                }
                else
                {
                    Body.ApplyAction(this, !appliedOnce);
                }
                appliedOnce = true;
            }
        }
    }
}
