using System;
using System.Collections.Generic;

namespace Ai4u
{
    /// <summary>Protocol constants (PROTOCOL.md §4).</summary>
    public static class Protocol
    {
        /// <summary>The bytes "AI4U" read as a little-endian u32.</summary>
        public const uint Magic = 0x55344941;
        /// <summary>The protocol version this codec speaks.</summary>
        public const ushort Version = 2;
        /// <summary>The controller's default address.</summary>
        public const string DefaultHost = "127.0.0.1";
        /// <summary>The controller's default port.</summary>
        public const int DefaultPort = 8080;
    }

    /// <summary>Who waits for whom (wire tag 0 = lockstep, 1 = realtime).</summary>
    public enum Mode
    {
        /// <summary>The controller answers once every agent that needs an action has one; the world advances only on decisions.</summary>
        Lockstep = 0,
        /// <summary>The controller answers every tick at once; agents without a new decision keep their last action.</summary>
        Realtime = 1,
    }

    /// <summary>An agent's status in a tick (PROTOCOL.md §4, wire tags 0..3).</summary>
    public enum AgentStatus
    {
        Idle = 0,
        NewEpisode = 1,
        Step = 2,
        Paused = 3,
    }

    /// <summary>The message kinds; the number is the wire tag.</summary>
    public enum MessageKind
    {
        Hello = 0,
        Welcome = 1,
        Reject = 2,
        Tick = 3,
        Reply = 4,
        Bye = 5,
        Error = 6,
    }

    /// <summary>The command kinds of a reply; the number is the wire tag.</summary>
    public enum CommandKind
    {
        Act = 0,
        Reset = 1,
        Wait = 2,
        Pause = 3,
        Resume = 4,
        Stop = 5,
    }

    /// <summary>One sensor an agent declares in its metadata.</summary>
    public sealed class InputSpec
    {
        public string Name;
        public ValueKind Kind;
        public int[] Shape = new int[0];
        public float RangeMin;
        public float RangeMax;

        public InputSpec() { }

        public InputSpec(string name, ValueKind kind, int[] shape, float rangeMin, float rangeMax)
        {
            Name = name; Kind = kind; Shape = shape; RangeMin = rangeMin; RangeMax = rangeMax;
        }
    }

    /// <summary>One actuator (action name) an agent declares in its metadata.</summary>
    public sealed class OutputSpec
    {
        public string Name;
        public bool Continuous;
        public int[] Shape = new int[0];
        public float[] RangeMin = new float[0];
        public float[] RangeMax = new float[0];

        public OutputSpec() { }

        public OutputSpec(string name, bool continuous, int[] shape, float[] rangeMin, float[] rangeMax)
        {
            Name = name; Continuous = continuous; Shape = shape; RangeMin = rangeMin; RangeMax = rangeMax;
        }
    }

    /// <summary>What an agent observes and how it acts, declared in the Hello.</summary>
    public sealed class ModelMetadata
    {
        public List<InputSpec> Inputs = new List<InputSpec>();
        public List<OutputSpec> Outputs = new List<OutputSpec>();
    }

    /// <summary>An agent as declared in the Hello.</summary>
    public sealed class AgentInfo
    {
        public string Id;
        /// <summary>Episode length in decisions; 0 = no limit.</summary>
        public uint MaxSteps;
        public ModelMetadata Metadata = new ModelMetadata();
    }

    /// <summary>Per-agent configuration in the Welcome (known fields: max_steps, frame_skip, repeat_action).</summary>
    public sealed class AgentConfig
    {
        public string Id;
        public List<Field> Fields = new List<Field>();
    }

    /// <summary>One agent's report in a tick.</summary>
    public sealed class AgentState
    {
        public string Id;
        public AgentStatus Status;
        /// <summary>Reward summed since the agent's previous decision.</summary>
        public float Reward;
        /// <summary>The episode ended by the task's rule (Gymnasium's terminated).</summary>
        public bool Done;
        /// <summary>The episode was cut off (max steps reached).</summary>
        public bool Truncated;
        /// <summary>Actions taken in this episode.</summary>
        public uint Steps;
        public List<Field> Fields = new List<Field>();
    }

    /// <summary>What the controller tells one agent to do.</summary>
    public sealed class Command
    {
        public CommandKind Kind;
        /// <summary>Actuator name, for <see cref="CommandKind.Act"/>.</summary>
        public string ActionName;
        /// <summary>Actuator arguments, for <see cref="CommandKind.Act"/>.</summary>
        public List<Value> Args;
        /// <summary>Named extras of an Act, or the reset fields of a Reset (e.g. <c>seed</c>).</summary>
        public List<Field> Fields;

        public static Command Act(string name, IEnumerable<Value> args, IEnumerable<Field> fields = null)
        {
            return new Command
            {
                Kind = CommandKind.Act, ActionName = name, Args = new List<Value>(args),
                Fields = fields == null ? new List<Field>() : new List<Field>(fields),
            };
        }

        public static Command Reset(IEnumerable<Field> fields = null)
        {
            return new Command { Kind = CommandKind.Reset, Fields = fields == null ? new List<Field>() : new List<Field>(fields) };
        }

        /// <summary>A body-less command: Wait, Pause, Resume or Stop.</summary>
        public static Command Simple(CommandKind kind)
        {
            if (kind == CommandKind.Act || kind == CommandKind.Reset) throw new ArgumentException(kind + " has a body");
            return new Command { Kind = kind };
        }
    }

    /// <summary>A command addressed to an agent by id.</summary>
    public sealed class AgentCommand
    {
        public string Id;
        public Command Command;
    }

    /// <summary>Base of every message; <see cref="Kind"/> is the wire tag.</summary>
    public abstract class Message
    {
        public abstract MessageKind Kind { get; }
    }

    /// <summary>Engine → controller: the first message of a connection.</summary>
    public sealed class Hello : Message
    {
        public override MessageKind Kind { get { return MessageKind.Hello; } }
        public uint Magic = Protocol.Magic;
        public ushort Version = Protocol.Version;
        public string Engine = "";
        public string EngineVersion = "";
        /// <summary>Null when the engine has no token.</summary>
        public string Token;
        public Mode Mode;
        public List<AgentInfo> Agents = new List<AgentInfo>();
    }

    /// <summary>Controller → engine: the handshake succeeded; one config per agent of the Hello, same order.</summary>
    public sealed class Welcome : Message
    {
        public override MessageKind Kind { get { return MessageKind.Welcome; } }
        public ushort Version = Protocol.Version;
        public Mode Mode;
        public List<AgentConfig> Agents = new List<AgentConfig>();
    }

    /// <summary>Controller → engine: the handshake failed; the connection closes after it.</summary>
    public sealed class Reject : Message
    {
        public override MessageKind Kind { get { return MessageKind.Reject; } }
        public string Reason = "";
    }

    /// <summary>Engine → controller: the agents whose decision is due, with their readings.</summary>
    public sealed class Tick : Message
    {
        public override MessageKind Kind { get { return MessageKind.Tick; } }
        /// <summary>0 for the first tick after the Welcome, then +1 per tick.</summary>
        public ulong Seq;
        public List<AgentState> Agents = new List<AgentState>();
    }

    /// <summary>Controller → engine: the commands answering one tick.</summary>
    public sealed class Reply : Message
    {
        public override MessageKind Kind { get { return MessageKind.Reply; } }
        public ulong Seq;
        public List<AgentCommand> Commands = new List<AgentCommand>();
    }

    /// <summary>Engine → controller: the engine leaves (no answer).</summary>
    public sealed class Bye : Message
    {
        public override MessageKind Kind { get { return MessageKind.Bye; } }
        public string Reason = "";
    }

    /// <summary>Either way: a protocol violation; the sender closes the connection right after it.</summary>
    public sealed class ErrorMessage : Message
    {
        public override MessageKind Kind { get { return MessageKind.Error; } }
        public string Reason = "";
    }
}
