using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;

namespace Ai4u.Tests
{
    /// <summary>Paths and small helpers shared by the tests.</summary>
    public static class TestUtil
    {
        /// <summary>The repository root: $AI4U_REPO, else the first ancestor of the working directory holding docs/PROTOCOL.md.</summary>
        public static string RepoRoot
        {
            get
            {
                var env = Environment.GetEnvironmentVariable("AI4U_REPO");
                if (!string.IsNullOrEmpty(env)) return env;
                var dir = new DirectoryInfo(Directory.GetCurrentDirectory());
                while (dir != null)
                {
                    if (File.Exists(Path.Combine(dir.FullName, "docs/PROTOCOL.md"))) return dir.FullName;
                    dir = dir.Parent;
                }
                throw new InvalidOperationException("cannot find the repository root (set AI4U_REPO)");
            }
        }

        /// <summary>tests/vectors.</summary>
        public static string VectorDir { get { return Path.Combine(RepoRoot, "tests/vectors"); } }

        /// <summary>Lowercase hex of bytes.</summary>
        public static string Hex(byte[] b, int offset = 0, int count = -1)
        {
            if (count < 0) count = b.Length - offset;
            var sb = new StringBuilder(count * 2);
            for (int i = 0; i < count; i++) sb.Append(b[offset + i].ToString("x2"));
            return sb.ToString();
        }

        /// <summary>Bytes of a hex string.</summary>
        public static byte[] FromHex(string hex)
        {
            var b = new byte[hex.Length / 2];
            for (int i = 0; i < b.Length; i++) b[i] = byte.Parse(hex.Substring(2 * i, 2), NumberStyles.HexNumber);
            return b;
        }

        /// <summary>Encodes a message payload (no frame header).</summary>
        public static byte[] Encode(Message m)
        {
            var w = new WireWriter();
            w.WriteMessage(m);
            return w.ToArray();
        }
    }

    /// <summary>
    /// A minimal JSON reader (objects → Dictionary, arrays → List, integers → long, other
    /// numbers → double), so the tests need no assembly beyond what mono-devel ships.
    /// </summary>
    public sealed class Json
    {
        readonly string s;
        int i;

        Json(string s) { this.s = s; }

        /// <summary>Parses a JSON document.</summary>
        public static object Parse(string text)
        {
            var j = new Json(text);
            var v = j.ReadValue();
            j.Ws();
            if (j.i != j.s.Length) throw new FormatException("trailing characters in JSON at " + j.i);
            return v;
        }

        void Ws()
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        }

        object ReadValue()
        {
            Ws();
            if (i >= s.Length) throw new FormatException("unexpected end of JSON");
            char c = s[i];
            if (c == '{')
            {
                i++;
                var d = new Dictionary<string, object>();
                Ws();
                if (s[i] == '}') { i++; return d; }
                while (true)
                {
                    Ws();
                    string k = ReadString();
                    Ws();
                    Expect(':');
                    d[k] = ReadValue();
                    Ws();
                    if (s[i] == ',') { i++; continue; }
                    Expect('}');
                    return d;
                }
            }
            if (c == '[')
            {
                i++;
                var l = new List<object>();
                Ws();
                if (s[i] == ']') { i++; return l; }
                while (true)
                {
                    l.Add(ReadValue());
                    Ws();
                    if (s[i] == ',') { i++; continue; }
                    Expect(']');
                    return l;
                }
            }
            if (c == '"') return ReadString();
            if (s.Substring(i).StartsWith("true", StringComparison.Ordinal)) { i += 4; return true; }
            if (s.Substring(i).StartsWith("false", StringComparison.Ordinal)) { i += 5; return false; }
            if (s.Substring(i).StartsWith("null", StringComparison.Ordinal)) { i += 4; return null; }
            int start = i;
            while (i < s.Length && "+-0123456789.eE".IndexOf(s[i]) >= 0) i++;
            string num = s.Substring(start, i - start);
            if (num.Length == 0) throw new FormatException("bad JSON at " + start);
            long l64;
            if (num.IndexOfAny(new[] { '.', 'e', 'E' }) < 0 && long.TryParse(num, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out l64))
                return l64;
            ulong u64;
            if (num.IndexOfAny(new[] { '.', 'e', 'E', '-' }) < 0 && ulong.TryParse(num, NumberStyles.None, CultureInfo.InvariantCulture, out u64))
                return u64; // e.g. a seq near u64::MAX
            double dbl = double.Parse(num, NumberStyles.Float, CultureInfo.InvariantCulture);
            // Mono's parser drops the sign of "-0.0"; the vectors rely on it.
            if (dbl == 0 && num.StartsWith("-", StringComparison.Ordinal)) dbl = BitConverter.Int64BitsToDouble(unchecked((long)0x8000000000000000UL));
            return dbl;
        }

        void Expect(char c)
        {
            if (s[i] != c) throw new FormatException("expected '" + c + "' at " + i);
            i++;
        }

        string ReadString()
        {
            Expect('"');
            var sb = new StringBuilder();
            while (s[i] != '"')
            {
                char c = s[i++];
                if (c != '\\') { sb.Append(c); continue; }
                char e = s[i++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'u': sb.Append((char)Convert.ToInt32(s.Substring(i, 4), 16)); i += 4; break;
                    default: sb.Append(e); break;
                }
            }
            i++;
            return sb.ToString();
        }
    }
}
