using System;
using System.Collections.Generic;

namespace Ai4u
{
    /// <summary>
    /// Encodes messages (PROTOCOL.md §2-4) into a growable byte buffer that is reused from
    /// one message to the next, so steady-state encoding allocates nothing once the buffer
    /// has grown to the largest message.
    /// </summary>
    public sealed class WireWriter
    {
        byte[] buf;
        int pos;

        /// <summary>Creates a writer with an initial capacity.</summary>
        public WireWriter(int capacity = 4096)
        {
            buf = new byte[Math.Max(capacity, 16)];
        }

        /// <summary>The underlying buffer; the encoded bytes are [0, <see cref="Length"/>).</summary>
        public byte[] Buffer { get { return buf; } }

        /// <summary>Bytes written since the last <see cref="Clear"/>.</summary>
        public int Length { get { return pos; } }

        /// <summary>Forgets the written bytes, keeping the buffer.</summary>
        public void Clear() { pos = 0; }

        /// <summary>A copy of the written bytes.</summary>
        public byte[] ToArray()
        {
            var a = new byte[pos];
            System.Buffer.BlockCopy(buf, 0, a, 0, pos);
            return a;
        }

        /// <summary>
        /// Clears the buffer and writes one frame: a u32 LE length header and the payload of
        /// <paramref name="msg"/>. The frame is <c>Buffer[0..Length)</c>.
        /// </summary>
        public void WriteFrame(Message msg)
        {
            pos = 0;
            Reserve(4);
            pos = 4;
            WriteMessage(msg);
            LittleEndian.PutU32(buf, 0, (uint)(pos - 4));
        }

        void Reserve(int extra)
        {
            if (pos + extra <= buf.Length) return;
            long want = Math.Max((long)buf.Length * 2, (long)pos + extra);
            if (want > int.MaxValue) throw new ProtocolException("message too large to encode");
            Array.Resize(ref buf, (int)want);
        }

        /// <summary>Writes one byte.</summary>
        public void U8(byte v)
        {
            Reserve(1);
            buf[pos++] = v;
        }

        /// <summary>Writes a bool as 0x00/0x01.</summary>
        public void Bool(bool v) { U8(v ? (byte)1 : (byte)0); }

        /// <summary>Writes a u16 LE.</summary>
        public void U16(ushort v)
        {
            Reserve(2);
            LittleEndian.PutU16(buf, pos, v);
            pos += 2;
        }

        /// <summary>Writes a u32 LE (also used for enum tags).</summary>
        public void U32(uint v)
        {
            Reserve(4);
            LittleEndian.PutU32(buf, pos, v);
            pos += 4;
        }

        /// <summary>Writes a u64 LE (also used for lengths and counts).</summary>
        public void U64(ulong v)
        {
            Reserve(8);
            LittleEndian.PutU64(buf, pos, v);
            pos += 8;
        }

        /// <summary>Writes an i64 LE.</summary>
        public void I64(long v)
        {
            Reserve(8);
            LittleEndian.PutU64(buf, pos, (ulong)v);
            pos += 8;
        }

        /// <summary>Writes an f32 as its IEEE-754 bits, LE (NaN payloads preserved).</summary>
        public void F32(float v)
        {
            U32(FloatBits.ToBits(v));
        }

        /// <summary>Writes a string: u64 byte count then UTF-8.</summary>
        public void String(string s)
        {
            int n = Utf8.Strict.GetByteCount(s);
            Reserve(8 + n);
            U64((ulong)n);
            Utf8.Strict.GetBytes(s, 0, s.Length, buf, pos);
            pos += n;
        }

        /// <summary>Writes a list&lt;u8&gt;.</summary>
        public void Bytes(byte[] b)
        {
            Reserve(8 + b.Length);
            U64((ulong)b.Length);
            System.Buffer.BlockCopy(b, 0, buf, pos, b.Length);
            pos += b.Length;
        }

        /// <summary>Writes a list&lt;u32&gt; shape.</summary>
        public void Shape(int[] shape)
        {
            Reserve(8 + 4 * shape.Length);
            U64((ulong)shape.Length);
            for (int i = 0; i < shape.Length; i++) U32((uint)shape[i]);
        }

        /// <summary>Writes a list&lt;f32&gt; with one block copy (little-endian hosts).</summary>
        public void FloatList(float[] data)
        {
            int n = data.Length * 4;
            Reserve(8 + n);
            U64((ulong)data.Length);
            if (BitConverter.IsLittleEndian)
            {
                System.Buffer.BlockCopy(data, 0, buf, pos, n);
                pos += n;
            }
            else
            {
                for (int i = 0; i < data.Length; i++) F32(data[i]);
            }
        }

        /// <summary>Writes a list&lt;i32&gt; with one block copy (little-endian hosts).</summary>
        public void IntList(int[] data)
        {
            int n = data.Length * 4;
            Reserve(8 + n);
            U64((ulong)data.Length);
            if (BitConverter.IsLittleEndian)
            {
                System.Buffer.BlockCopy(data, 0, buf, pos, n);
                pos += n;
            }
            else
            {
                for (int i = 0; i < data.Length; i++) U32((uint)data[i]);
            }
        }

        /// <summary>Writes a value: tag then body.</summary>
        public void Value(Value v)
        {
            U32((uint)v.Kind);
            switch (v.Kind)
            {
                case ValueKind.Float: F32(v.FloatValue); break;
                case ValueKind.Int: I64(v.IntValue); break;
                case ValueKind.Bool: Bool(v.BoolValue); break;
                case ValueKind.String: String(v.StringValue); break;
                case ValueKind.Bytes: Bytes(v.ByteData); break;
                case ValueKind.FloatArray: Shape(v.Shape); FloatList(v.FloatData); break;
                case ValueKind.IntArray: Shape(v.Shape); IntList(v.IntData); break;
                case ValueKind.Image:
                    U32((uint)v.Width);
                    U32((uint)v.Height);
                    U32((uint)v.Channels);
                    U32((uint)v.Pixel);
                    U32((uint)v.Encoding);
                    Bytes(v.ByteData);
                    break;
                default: throw new ArgumentException("unknown value kind " + v.Kind);
            }
        }

        /// <summary>Writes a list&lt;field&gt;.</summary>
        public void Fields(List<Field> fields)
        {
            U64((ulong)fields.Count);
            for (int i = 0; i < fields.Count; i++)
            {
                String(fields[i].Name);
                Value(fields[i].Value);
            }
        }

        void Metadata(ModelMetadata m)
        {
            U64((ulong)m.Inputs.Count);
            foreach (var input in m.Inputs)
            {
                String(input.Name);
                U32((uint)input.Kind);
                Shape(input.Shape);
                F32(input.RangeMin);
                F32(input.RangeMax);
            }
            U64((ulong)m.Outputs.Count);
            foreach (var o in m.Outputs)
            {
                String(o.Name);
                Bool(o.Continuous);
                Shape(o.Shape);
                FloatList(o.RangeMin);
                FloatList(o.RangeMax);
            }
        }

        void Command(Command c)
        {
            U32((uint)c.Kind);
            if (c.Kind == CommandKind.Act)
            {
                String(c.ActionName);
                U64((ulong)c.Args.Count);
                for (int i = 0; i < c.Args.Count; i++) Value(c.Args[i]);
                Fields(c.Fields);
            }
            else if (c.Kind == CommandKind.Reset)
            {
                Fields(c.Fields);
            }
        }

        /// <summary>Appends the payload of <paramref name="msg"/> (no frame header).</summary>
        public void WriteMessage(Message msg)
        {
            U32((uint)msg.Kind);
            switch (msg.Kind)
            {
                case MessageKind.Hello:
                {
                    var h = (Hello)msg;
                    U32(h.Magic);
                    U16(h.Version);
                    String(h.Engine);
                    String(h.EngineVersion);
                    if (h.Token == null) U8(0);
                    else { U8(1); String(h.Token); }
                    U32((uint)h.Mode);
                    U64((ulong)h.Agents.Count);
                    foreach (var a in h.Agents)
                    {
                        String(a.Id);
                        U32(a.MaxSteps);
                        Metadata(a.Metadata);
                    }
                    break;
                }
                case MessageKind.Welcome:
                {
                    var w = (Welcome)msg;
                    U16(w.Version);
                    U32((uint)w.Mode);
                    U64((ulong)w.Agents.Count);
                    foreach (var a in w.Agents)
                    {
                        String(a.Id);
                        Fields(a.Fields);
                    }
                    break;
                }
                case MessageKind.Reject: String(((Reject)msg).Reason); break;
                case MessageKind.Tick:
                {
                    var t = (Tick)msg;
                    U64(t.Seq);
                    U64((ulong)t.Agents.Count);
                    for (int i = 0; i < t.Agents.Count; i++)
                    {
                        var a = t.Agents[i];
                        String(a.Id);
                        U32((uint)a.Status);
                        F32(a.Reward);
                        Bool(a.Done);
                        Bool(a.Truncated);
                        U32(a.Steps);
                        Fields(a.Fields);
                    }
                    break;
                }
                case MessageKind.Reply:
                {
                    var r = (Reply)msg;
                    U64(r.Seq);
                    U64((ulong)r.Commands.Count);
                    foreach (var c in r.Commands)
                    {
                        String(c.Id);
                        Command(c.Command);
                    }
                    break;
                }
                case MessageKind.Bye: String(((Bye)msg).Reason); break;
                case MessageKind.Error: String(((ErrorMessage)msg).Reason); break;
                default: throw new ArgumentException("unknown message kind " + msg.Kind);
            }
        }
    }

    /// <summary>
    /// Little-endian integer access by shifts. Used instead of Span/BinaryPrimitives because
    /// Unity 2019.4's .NET profile does not ship System.Memory; shifts are endian-independent.
    /// </summary>
    internal static class LittleEndian
    {
        public static void PutU16(byte[] b, int i, ushort v)
        {
            b[i] = (byte)v;
            b[i + 1] = (byte)(v >> 8);
        }

        public static void PutU32(byte[] b, int i, uint v)
        {
            b[i] = (byte)v;
            b[i + 1] = (byte)(v >> 8);
            b[i + 2] = (byte)(v >> 16);
            b[i + 3] = (byte)(v >> 24);
        }

        public static void PutU64(byte[] b, int i, ulong v)
        {
            PutU32(b, i, (uint)v);
            PutU32(b, i + 4, (uint)(v >> 32));
        }

        public static ushort U16(byte[] b, int i)
        {
            return (ushort)(b[i] | (b[i + 1] << 8));
        }

        public static uint U32(byte[] b, int i)
        {
            return (uint)(b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24));
        }

        public static ulong U64(byte[] b, int i)
        {
            return U32(b, i) | ((ulong)U32(b, i + 4) << 32);
        }
    }

    /// <summary>f32 ⇄ raw bits without unsafe code and without BitConverter.SingleToInt32Bits (not in netstandard 2.0).</summary>
    internal static class FloatBits
    {
        [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Explicit)]
        struct Union
        {
            [System.Runtime.InteropServices.FieldOffset(0)] public float F;
            [System.Runtime.InteropServices.FieldOffset(0)] public uint U;
        }

        public static uint ToBits(float f)
        {
            var u = new Union { F = f };
            return u.U;
        }

        public static float FromBits(uint bits)
        {
            var u = new Union { U = bits };
            return u.F;
        }
    }
}
