using System;

namespace Ai4u
{
    /// <summary>Base of every error the ai4u engine side reports.</summary>
    public class Ai4uException : Exception
    {
        /// <summary>Creates the exception.</summary>
        public Ai4uException(string message) : base(message) { }

        /// <summary>Creates the exception with its cause.</summary>
        public Ai4uException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>A payload that is not a valid message, or a message that breaks the session rules; the message names what was being read.</summary>
    public class ProtocolException : Ai4uException
    {
        /// <summary>Creates the exception.</summary>
        public ProtocolException(string message) : base(message) { }

        /// <summary>Creates the exception with its cause.</summary>
        public ProtocolException(string message, Exception inner) : base(message, inner) { }
    }

    /// <summary>The controller refused the Hello (wrong token, unknown id, version...).</summary>
    public sealed class HandshakeRejectedException : Ai4uException
    {
        /// <summary>The controller's reason, verbatim.</summary>
        public string Reason { get; private set; }

        /// <summary>Creates the exception from the Reject's reason.</summary>
        public HandshakeRejectedException(string reason)
            : base("the controller rejected the connection: " + reason)
        {
            Reason = reason;
        }
    }

    /// <summary>The controller reported a protocol violation with an Error message and closed.</summary>
    public sealed class ControllerErrorException : Ai4uException
    {
        /// <summary>The controller's reason, verbatim.</summary>
        public string Reason { get; private set; }

        /// <summary>Creates the exception from the Error's reason.</summary>
        public ControllerErrorException(string reason)
            : base("the controller reported an error: " + reason)
        {
            Reason = reason;
        }
    }

    /// <summary>The controller did not answer in time.</summary>
    public sealed class ControllerTimeoutException : Ai4uException
    {
        /// <summary>Creates the exception.</summary>
        public ControllerTimeoutException(string message) : base(message) { }
    }

    /// <summary>The connection could not be opened, or closed (or broke) while the engine waited for the controller.</summary>
    public sealed class ConnectionLostException : Ai4uException
    {
        /// <summary>Creates the exception.</summary>
        public ConnectionLostException(string message, Exception inner = null) : base(message, inner) { }
    }
}
