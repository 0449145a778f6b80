using System;
using System.Collections.Generic;
using UnityEngine;

namespace Ai4u.Unity
{
    /// <summary>
    /// Connects a scene's agents to an ai4u controller and ticks them in FixedUpdate: one Tick
    /// message per physics frame for all due agents, then the reply's commands, then each
    /// agent's action for the frame PhysX is about to simulate. The I/O blocks the main thread
    /// on purpose: in lockstep the world must not advance before the controller has decided.
    /// </summary>
    [AddComponentMenu("AI4U/Control Requestor")]
    [DefaultExecutionOrder(-100)] // before the agents' own FixedUpdates
    public class ControlRequestor : MonoBehaviour
    {
        [Tooltip("Controller host; --ai4u_host overrides it.")]
        public string host = Protocol.DefaultHost;
        [Tooltip("Controller port; --ai4u_port overrides it.")]
        public int port = Protocol.DefaultPort;
        [Tooltip("Auth token (empty = none); --ai4u_token overrides it.")]
        public string token = "";
        [Tooltip("Mode asked for; the controller's Welcome decides. --ai4u_mode overrides it.")]
        public Mode mode = Mode.Lockstep;
        [Tooltip("Seconds to wait for each reply before failing; --ai4u_timeout overrides it.")]
        public float replyTimeout = 120f;
        [Tooltip("Seconds to wait for the TCP connection.")]
        public float connectTimeout = 10f;
        [Tooltip("Agents served by this connection. Empty = every BasicAgent in the scene.")]
        public List<BasicAgent> agents = new List<BasicAgent>();
        [Tooltip("Connect in Start. Off: call Connect() yourself.")]
        public bool connectOnStart = true;
        [Tooltip("Read --ai4u_* options from the command line (standalone builds).")]
        public bool useCommandLine = true;
        [Tooltip("Quit the player when the controller stops every agent (standalone builds only).")]
        public bool quitWhenStopped = true;
        [Tooltip("Time.timeScale to set (1 = real time); --ai4u_timescale overrides it.")]
        public float timeScale = 1f;

        TickRequestor requestor;

        /// <summary>The engine-agnostic requestor, once connected.</summary>
        public TickRequestor Requestor { get { return requestor; } }

        /// <summary>The last failure (timeout, lost connection, protocol error), or null.</summary>
        public Exception LastError { get; private set; }

        /// <summary>Raised when the session ends: all agents stopped (null) or a failure.</summary>
        public event Action<Exception> SessionEnded;

        /// <summary>The parsed command line (also used by <see cref="SampleSceneBuilder"/>).</summary>
        public static CommandLineOverrides CommandLine
        {
            get
            {
                if (commandLine == null) commandLine = CommandLineOverrides.Parse(Environment.GetCommandLineArgs());
                return commandLine;
            }
        }
        static CommandLineOverrides commandLine;

        void Awake()
        {
            if (useCommandLine)
            {
                foreach (var w in CommandLine.Warnings) Debug.LogWarning("[ai4u] " + w);
                if (CommandLine.TimeScale.HasValue) timeScale = CommandLine.TimeScale.Value;
            }
            Time.timeScale = timeScale;
        }

        void Start()
        {
            if (connectOnStart) Connect();
        }

        /// <summary>The settings this component would connect with (fields + command line).</summary>
        public ConnectionSettings BuildSettings()
        {
            var s = new ConnectionSettings
            {
                Host = host, Port = port, Token = string.IsNullOrEmpty(token) ? null : token, Mode = mode,
                ReplyTimeoutSeconds = replyTimeout, ConnectTimeoutSeconds = connectTimeout,
                Engine = "unity", EngineVersion = Application.unityVersion,
                OnWaiting = m => Debug.Log("[ai4u] " + m),
            };
            if (useCommandLine) CommandLine.ApplyTo(s);
            return s;
        }

        /// <summary>Opens (or reopens) the connection: Hello with every agent, Welcome. Returns false and logs on failure.</summary>
        public bool Connect()
        {
            if (agents.Count == 0) agents.AddRange(FindObjectsOfType<BasicAgent>());
            agents.RemoveAll(a => a == null);
            if (agents.Count == 0)
            {
                Debug.LogError("[ai4u] ControlRequestor has no agents: add BasicAgent components to the scene");
                enabled = false;
                return false;
            }
            var core = new List<Agent>();
            foreach (var a in agents) core.Add(a.CoreAgent);
            var settings = BuildSettings();
            if (requestor != null) requestor.Dispose();
            requestor = new TickRequestor(settings, core);
            try
            {
                var welcome = requestor.Connect();
                Debug.Log(string.Format("[ai4u] connected to {0}:{1} ({2}, {3} agents)", settings.Host, settings.Port, welcome.Mode, core.Count));
                LastError = null;
                enabled = true;
                return true;
            }
            catch (Ai4uException e)
            {
                Fail(e);
                return false;
            }
        }

        /// <summary>Closes the current connection and opens a new one with the same ids.</summary>
        public bool Reconnect() { return Connect(); }

        void FixedUpdate()
        {
            if (requestor == null || !requestor.IsConnected) return;
            try
            {
                if (!requestor.Step())
                {
                    Debug.Log("[ai4u] the controller stopped every agent; Bye sent");
                    enabled = false;
                    if (SessionEnded != null) SessionEnded(null);
                    if (quitWhenStopped && !Application.isEditor) Application.Quit();
                }
            }
            catch (Ai4uException e)
            {
                Fail(e);
            }
        }

        void Fail(Exception e)
        {
            LastError = e;
            // One clear line in the console; the simulation keeps running without the controller.
            Debug.LogError("[ai4u] " + e.Message);
            enabled = false;
            if (SessionEnded != null) SessionEnded(e);
        }

        void OnApplicationQuit() { Close("application quit"); }

        void OnDestroy() { Close("requestor destroyed"); }

        /// <summary>Sends Bye and closes.</summary>
        public void Close(string reason)
        {
            if (requestor == null) return;
            try { requestor.Close(reason); }
            catch (Ai4uException) { }
            requestor = null;
        }
    }
}
