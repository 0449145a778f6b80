using System;
using System.Collections.Generic;
using System.Globalization;

namespace Ai4u
{
    /// <summary>
    /// The <c>--ai4u_*</c> command-line overrides of a standalone build (SAMPLESCENE.md):
    /// <c>--ai4u_host=H</c>, <c>--ai4u_port=P</c>, <c>--ai4u_agents=K</c>, <c>--ai4u_max_steps=N</c>,
    /// <c>--ai4u_timescale=X</c>, <c>--ai4u_mode=lockstep|realtime</c>, <c>--ai4u_token=T</c>,
    /// <c>--ai4u_id_prefix=P</c>, plus <c>--ai4u_timeout=SECS</c> (reply timeout) and
    /// <c>--ai4u_connect_timeout=SECS</c> (how long to keep retrying to connect). Both <c>--key=value</c> and
    /// <c>--key value</c> are accepted. Plain C# so it is unit-tested outside Unity.
    /// </summary>
    public sealed class CommandLineOverrides
    {
        /// <summary>Controller host, or null when not given.</summary>
        public string Host;
        /// <summary>Controller port, or null.</summary>
        public int? Port;
        /// <summary>Number of agents (areas) the scene should create, or null.</summary>
        public int? Agents;
        /// <summary>Episode length in decisions, or null.</summary>
        public uint? MaxSteps;
        /// <summary>Time scale (Unity's Time.timeScale), or null.</summary>
        public float? TimeScale;
        /// <summary>Mode to ask for, or null.</summary>
        public Mode? Mode;
        /// <summary>Auth token, or null.</summary>
        public string Token;
        /// <summary>Reply timeout in seconds, or null.</summary>
        public double? ReplyTimeoutSeconds;
        /// <summary>Prefix of every agent id, or null.</summary>
        public string IdPrefix;
        /// <summary>How long to keep retrying to reach the controller, in seconds, or null.</summary>
        public double? ConnectTimeoutSeconds;
        /// <summary>Problems found (bad values, unknown <c>--ai4u_</c> options); the offending options are ignored.</summary>
        public readonly List<string> Warnings = new List<string>();

        const string Prefix = "--ai4u_";

        /// <summary>Parses the process arguments (e.g. <c>Environment.GetCommandLineArgs()</c>); other arguments are ignored.</summary>
        public static CommandLineOverrides Parse(IList<string> args)
        {
            var o = new CommandLineOverrides();
            if (args == null) return o;
            for (int i = 0; i < args.Count; i++)
            {
                string a = args[i];
                if (a == null || !a.StartsWith(Prefix, StringComparison.Ordinal)) continue;
                string key, value;
                int eq = a.IndexOf('=');
                if (eq >= 0)
                {
                    key = a.Substring(Prefix.Length, eq - Prefix.Length);
                    value = a.Substring(eq + 1);
                }
                else
                {
                    key = a.Substring(Prefix.Length);
                    if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    {
                        o.Warnings.Add("option " + a + " needs a value");
                        continue;
                    }
                    value = args[++i];
                }
                o.Set(key.ToLowerInvariant(), value, a);
            }
            return o;
        }

        void Set(string key, string value, string option)
        {
            int n;
            double d;
            switch (key)
            {
                case "host":
                    if (value.Length == 0) Warn(option, value, "a host name");
                    else Host = value;
                    break;
                case "port":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n > 0 && n <= 65535) Port = n;
                    else Warn(option, value, "a port between 1 and 65535");
                    break;
                case "agents":
                    if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out n) && n >= 1) Agents = n;
                    else Warn(option, value, "a positive number of agents");
                    break;
                case "max_steps":
                    uint u;
                    if (uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out u)) MaxSteps = u;
                    else Warn(option, value, "a number of steps (0 = no limit)");
                    break;
                case "timescale":
                    if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && d > 0 && d <= 100) TimeScale = (float)d;
                    else Warn(option, value, "a time scale in (0, 100]");
                    break;
                case "mode":
                    var m = value.ToLowerInvariant();
                    if (m == "lockstep") Mode = Ai4u.Mode.Lockstep;
                    else if (m == "realtime") Mode = Ai4u.Mode.Realtime;
                    else Warn(option, value, "lockstep or realtime");
                    break;
                case "token":
                    Token = value;
                    break;
                case "id_prefix":
                    IdPrefix = value;
                    break;
                case "connect_timeout":
                    if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && d >= 0) ConnectTimeoutSeconds = d;
                    else Warn(option, value, "a number of seconds");
                    break;
                case "timeout":
                    if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out d) && d > 0) ReplyTimeoutSeconds = d;
                    else Warn(option, value, "a positive number of seconds");
                    break;
                default:
                    Warnings.Add("unknown option " + option + " (known: --ai4u_host, --ai4u_port, --ai4u_agents, --ai4u_max_steps, --ai4u_timescale, --ai4u_mode, --ai4u_token, --ai4u_id_prefix, --ai4u_timeout, --ai4u_connect_timeout)");
                    break;
            }
        }

        void Warn(string option, string value, string expected)
        {
            Warnings.Add(string.Format("ignoring {0}: `{1}` is not {2}", option, value, expected));
        }

        /// <summary>Writes the connection-related overrides into <paramref name="s"/>.</summary>
        public void ApplyTo(ConnectionSettings s)
        {
            if (Host != null) s.Host = Host;
            if (Port.HasValue) s.Port = Port.Value;
            if (Mode.HasValue) s.Mode = Mode.Value;
            if (Token != null) s.Token = Token;
            if (IdPrefix != null) s.IdPrefix = IdPrefix;
            if (ConnectTimeoutSeconds.HasValue) s.ConnectTimeoutSeconds = ConnectTimeoutSeconds.Value;
            if (ReplyTimeoutSeconds.HasValue) s.ReplyTimeoutSeconds = ReplyTimeoutSeconds.Value;
        }
    }
}
