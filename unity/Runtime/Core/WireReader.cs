using System;
using System.Collections.Generic;

namespace Ai4u
{
    /// <summary>Decoder limits (PROTOCOL.md §6), checked before anything is allocated.</summary>
    public sealed class Limits
    {
        /// <summary>Largest payload accepted (the header is checked before the body is read).</summary>
        public uint MaxFrameLength = 64u << 20;
        /// <summary>Agents per hello, tick, welcome or reply.</summary>
        public uint MaxAgents = 4096;
        /// <summary>Fields per list, action arguments, metadata inputs or outputs.</summary>
        public uint MaxFields = 1024;
        /// <summary>Bytes of UTF-8 in a name (field names, agent ids, action and sensor names).</summary>
        public uint MaxNameLength = 256;
        /// <summary>Tensor rank.</summary>
        public uint MaxRank = 16;

        /// <summary>The protocol's defaults.</summary>
        public static readonly Limits Default = new Limits();
    }

    /// <summary>
    /// Decodes one payload (PROTOCOL.md §2-4, §6). Every length and count is checked against
    /// the limits and against the bytes left in the payload before any array is allocated,
    /// so a hostile header cannot make the engine allocate gigabytes.
    /// </summary>
    public sealed class WireReader
    {
        // Smallest encodings, used to refuse a count the remaining bytes cannot hold.
        const int MinField = 8 + 4 + 1;
        const int MinValue = 4 + 1;
        const int MinAgentState = 8 + 4 + 4 + 1 + 1 + 4 + 8;
        const int MinAgentCommand = 8 + 4;
        const int MinAgentInfo = 8 + 4 + 8 + 8;
        const int MinAgentConfig = 8 + 8;
        const int MinInput = 8 + 4 + 8 + 4 + 4;
        const int MinOutput = 8 + 1 + 8 + 8 + 8;

        readonly byte[] buf;
        readonly int end;
        readonly Limits limits;
        int pos;

        WireReader(byte[] buffer, int offset, int count, Limits limits)
        {
            buf = buffer;
            pos = offset;
            end = offset + count;
            this.limits = limits ?? Limits.Default;
        }

        /// <summary>Decodes the whole payload <c>buffer[offset..offset+count)</c>; trailing bytes are an error.</summary>
        public static Message Decode(byte[] buffer, int offset, int count, Limits limits = null)
        {
            if (buffer == null) throw new ArgumentNullException("buffer");
            if (offset < 0 || count < 0 || offset + count > buffer.Length) throw new ArgumentOutOfRangeException("count");
            var lim = limits ?? Limits.Default;
            if (count == 0) throw new ProtocolException("empty frame");
            if ((uint)count > lim.MaxFrameLength)
                throw new ProtocolException(string.Format("frame of {0} bytes exceeds the limit of {1} bytes", count, lim.MaxFrameLength));
            var r = new WireReader(buffer, offset, count, lim);
            var msg = r.ReadMessage();
            if (r.pos != r.end)
                throw new ProtocolException(string.Format("{0} trailing bytes after a complete {1} message", r.end - r.pos, msg.Kind));
            return msg;
        }

        /// <summary>Decodes a whole payload array.</summary>
        public static Message Decode(byte[] payload, Limits limits = null)
        {
            return Decode(payload, 0, payload.Length, limits);
        }

        int Left { get { return end - pos; } }

        ProtocolException Truncated(string what, ulong needed)
        {
            return new ProtocolException(string.Format(
                "message truncated while reading {0}: needed {1} more bytes, {2} left", what, needed, Left));
        }

        int Take(int n, string what)
        {
            if (n > Left) throw Truncated(what, (ulong)n);
            int at = pos;
            pos += n;
            return at;
        }

        byte U8(string what) { return buf[Take(1, what)]; }
        ushort U16(string what) { return LittleEndian.U16(buf, Take(2, what)); }
        uint U32(string what) { return LittleEndian.U32(buf, Take(4, what)); }
        ulong U64(string what) { return LittleEndian.U64(buf, Take(8, what)); }
        float F32(string what) { return FloatBits.FromBits(U32(what)); }

        bool Bool(string what)
        {
            byte b = U8(what);
            if (b > 1) throw new ProtocolException(string.Format("invalid bool byte {0} while reading {1} (must be 0 or 1)", b, what));
            return b == 1;
        }

        uint Tag(string what, uint max)
        {
            uint t = U32(what);
            if (t > max) throw new ProtocolException(string.Format("unknown {0} tag {1}", what, t));
            return t;
        }

        /// <summary>A byte length, checked against the bytes left.</summary>
        int ByteLength(string what)
        {
            ulong n = U64(what);
            if (n > (ulong)Left) throw Truncated(what, n);
            return (int)n;
        }

        /// <summary>An element count, checked against <paramref name="max"/> and against the bytes left given the smallest element.</summary>
        int Count(string what, uint max, int minSize)
        {
            ulong n = U64(what);
            if (n > max) throw new ProtocolException(string.Format("{0} has {1} entries, limit is {2}", what, n, max));
            ulong need = n * (ulong)minSize; // n ≤ 4096 and minSize small: no overflow
            if (need > (ulong)Left) throw Truncated(what, need);
            return (int)n;
        }

        string String(string what)
        {
            int n = ByteLength(what);
            int at = Take(n, what);
            try
            {
                return Utf8.Strict.GetString(buf, at, n);
            }
            catch (ArgumentException)
            {
                throw new ProtocolException(what + " is not valid UTF-8");
            }
        }

        string Name(string what)
        {
            ulong n = LittleEndian.U64(buf, Take(8, what));
            if (n > limits.MaxNameLength)
                throw new ProtocolException(string.Format("{0} is {1} bytes long, limit is {2}", what, n, limits.MaxNameLength));
            pos -= 8;
            return String(what);
        }

        byte[] Bytes(string what)
        {
            int n = ByteLength(what);
            var b = new byte[n];
            System.Buffer.BlockCopy(buf, Take(n, what), b, 0, n);
            return b;
        }

        int[] Shape(string what)
        {
            int n = Count(what, limits.MaxRank, 4);
            var s = new int[n];
            for (int i = 0; i < n; i++)
            {
                uint d = U32(what);
                if (d > int.MaxValue) throw new ProtocolException(string.Format("{0}: dimension {1} is too large", what, d));
                s[i] = (int)d;
            }
            return s;
        }

        /// <summary>The element count of a 4-byte-element block, checked against the bytes left and the shape.</summary>
        int Block4Count(string what, int[] shape)
        {
            ulong n = U64(what);
            if (n > (ulong)Left / 4) throw Truncated(what, n > ulong.MaxValue / 4 ? ulong.MaxValue : n * 4);
            if (Value.ShapeLength(shape) != (long)n)
                throw new ProtocolException(string.Format("{0}: shape [{1}] does not hold {2} elements", what, string.Join(", ", shape), n));
            return (int)n;
        }

        float[] FloatBlock(string what, int n)
        {
            var data = new float[n];
            int at = Take(n * 4, what);
            if (BitConverter.IsLittleEndian) System.Buffer.BlockCopy(buf, at, data, 0, n * 4);
            else for (int i = 0; i < n; i++) data[i] = FloatBits.FromBits(LittleEndian.U32(buf, at + 4 * i));
            return data;
        }

        int[] IntBlock(string what, int n)
        {
            var data = new int[n];
            int at = Take(n * 4, what);
            if (BitConverter.IsLittleEndian) System.Buffer.BlockCopy(buf, at, data, 0, n * 4);
            else for (int i = 0; i < n; i++) data[i] = (int)LittleEndian.U32(buf, at + 4 * i);
            return data;
        }

        float[] FloatSeq(string what)
        {
            int n = Count(what, limits.MaxFields, 4);
            return FloatBlock(what, n);
        }

        Mode Mode() { return (Mode)Tag("mode", 1); }

        /// <summary>Reads one value (tag and body).</summary>
        Value ReadValue()
        {
            var kind = (ValueKind)Tag("value", 7);
            switch (kind)
            {
                case ValueKind.Float: return Value.Float(F32("float value"));
                case ValueKind.Int: return Value.Int((long)U64("int value"));
                case ValueKind.Bool: return Value.Bool(Bool("bool value"));
                case ValueKind.String: return Value.String(String("string value"));
                case ValueKind.Bytes: return Value.Bytes(Bytes("bytes value"));
                case ValueKind.FloatArray:
                {
                    var shape = Shape("float array shape");
                    int n = Block4Count("float array", shape);
                    return Value.FloatArrayUnchecked(FloatBlock("float array", n), shape);
                }
                case ValueKind.IntArray:
                {
                    var shape = Shape("int array shape");
                    int n = Block4Count("int array", shape);
                    return Value.IntArrayUnchecked(IntBlock("int array", n), shape);
                }
                default:
                {
                    uint w = U32("image width"), h = U32("image height"), c = U32("image channels");
                    var pixel = (PixelType)Tag("pixel type", 1);
                    var encoding = (ImageEncoding)Tag("image encoding", 1);
                    var data = Bytes("image data");
                    if (w > int.MaxValue || h > int.MaxValue || c > int.MaxValue)
                        throw new ProtocolException(string.Format("image: dimensions {0}x{1}x{2} are too large", w, h, c));
                    try
                    {
                        return Value.Image((int)w, (int)h, (int)c, pixel, encoding, data);
                    }
                    catch (ArgumentException e)
                    {
                        throw new ProtocolException("image: " + e.Message);
                    }
                }
            }
        }

        List<Field> Fields(string what)
        {
            int n = Count(what, limits.MaxFields, MinField);
            var list = new List<Field>(n);
            for (int i = 0; i < n; i++)
            {
                string name = Name("field name");
                list.Add(new Field(name, ReadValue()));
            }
            return list;
        }

        ModelMetadata Metadata()
        {
            var m = new ModelMetadata();
            int n = Count("metadata inputs", limits.MaxFields, MinInput);
            for (int i = 0; i < n; i++)
            {
                var input = new InputSpec();
                input.Name = Name("input name");
                input.Kind = (ValueKind)Tag("input kind", 7);
                input.Shape = Shape("input shape");
                input.RangeMin = F32("input range");
                input.RangeMax = F32("input range");
                m.Inputs.Add(input);
            }
            n = Count("metadata outputs", limits.MaxFields, MinOutput);
            for (int i = 0; i < n; i++)
            {
                var o = new OutputSpec();
                o.Name = Name("output name");
                o.Continuous = Bool("output continuous flag");
                o.Shape = Shape("output shape");
                o.RangeMin = FloatSeq("output range_min");
                o.RangeMax = FloatSeq("output range_max");
                m.Outputs.Add(o);
            }
            return m;
        }

        Command ReadCommand()
        {
            var kind = (CommandKind)Tag("command", 5);
            var c = new Command { Kind = kind };
            if (kind == CommandKind.Act)
            {
                c.ActionName = Name("action name");
                int n = Count("action args", limits.MaxFields, MinValue);
                c.Args = new List<Value>(n);
                for (int i = 0; i < n; i++) c.Args.Add(ReadValue());
                c.Fields = Fields("action fields");
            }
            else if (kind == CommandKind.Reset)
            {
                c.Fields = Fields("reset fields");
            }
            return c;
        }

        Message ReadMessage()
        {
            var kind = (MessageKind)Tag("message", 6);
            switch (kind)
            {
                case MessageKind.Hello:
                {
                    var h = new Hello();
                    h.Magic = U32("magic");
                    h.Version = U16("version");
                    h.Engine = String("engine name");
                    h.EngineVersion = String("engine version");
                    byte opt = U8("token option");
                    if (opt > 1) throw new ProtocolException(string.Format("invalid option tag {0} while reading token (must be 0 or 1)", opt));
                    h.Token = opt == 1 ? String("token") : null;
                    h.Mode = Mode();
                    int n = Count("hello agents", limits.MaxAgents, MinAgentInfo);
                    for (int i = 0; i < n; i++)
                    {
                        var a = new AgentInfo();
                        a.Id = Name("agent id");
                        a.MaxSteps = U32("max steps");
                        a.Metadata = Metadata();
                        h.Agents.Add(a);
                    }
                    return h;
                }
                case MessageKind.Welcome:
                {
                    var w = new Welcome();
                    w.Version = U16("version");
                    w.Mode = Mode();
                    int n = Count("welcome agents", limits.MaxAgents, MinAgentConfig);
                    for (int i = 0; i < n; i++)
                    {
                        var a = new AgentConfig();
                        a.Id = Name("agent id");
                        a.Fields = Fields("agent config fields");
                        w.Agents.Add(a);
                    }
                    return w;
                }
                case MessageKind.Reject: return new Reject { Reason = String("reject reason") };
                case MessageKind.Tick:
                {
                    var t = new Tick();
                    t.Seq = U64("tick seq");
                    int n = Count("tick agents", limits.MaxAgents, MinAgentState);
                    for (int i = 0; i < n; i++)
                    {
                        var a = new AgentState();
                        a.Id = Name("agent id");
                        a.Status = (AgentStatus)Tag("agent status", 3);
                        a.Reward = F32("reward");
                        a.Done = Bool("done");
                        a.Truncated = Bool("truncated");
                        a.Steps = U32("steps");
                        a.Fields = Fields("state fields");
                        t.Agents.Add(a);
                    }
                    return t;
                }
                case MessageKind.Reply:
                {
                    var r = new Reply();
                    r.Seq = U64("reply seq");
                    int n = Count("reply commands", limits.MaxAgents, MinAgentCommand);
                    for (int i = 0; i < n; i++)
                    {
                        var c = new AgentCommand();
                        c.Id = Name("agent id");
                        c.Command = ReadCommand();
                        r.Commands.Add(c);
                    }
                    return r;
                }
                case MessageKind.Bye: return new Bye { Reason = String("bye reason") };
                default: return new ErrorMessage { Reason = String("error reason") };
            }
        }
    }
}
