using System;

namespace Ai4u
{
    /// <summary>
    /// Notices a camera whose frames are all one colour for a run of frames (a camera looking
    /// at nothing, a build that cannot render: <c>-nographics</c>, a headless server) and says
    /// so once, instead of letting training run blind. The same rule as the Godot camera
    /// sensor and the controller side (<c>ai4u-appserver</c>'s <c>blank.rs</c>).
    /// </summary>
    public sealed class BlankFrameGuard
    {
        /// <summary>Frames of one colour in a row after which the camera counts as blank.</summary>
        public const int DefaultRun = 20;

        readonly int run;
        int blankRun;
        bool said;

        public BlankFrameGuard(int run = DefaultRun) { this.run = Math.Max(1, run); }

        /// <summary>Frames of one colour in a row so far.</summary>
        public int BlankRun { get { return blankRun; } }

        /// <summary>True when a spread sample of at most ~64 pixels all have the first pixel's value.</summary>
        public static bool LooksBlank(byte[] data, int channels)
        {
            if (data == null || channels <= 0) return true;
            int n = data.Length / channels;
            if (n == 0) return true;
            int step = Math.Max(1, n / 64);
            for (int i = 0; i < n; i += step)
                for (int k = 0; k < channels; k++)
                    if (data[i * channels + k] != data[k]) return false;
            return true;
        }

        /// <summary>Looks at one raw frame; returns the warning to log when the run has just become long enough (once per guard), else null.</summary>
        public string Observe(string camera, byte[] data, int channels)
        {
            blankRun = LooksBlank(data, channels) ? blankRun + 1 : 0;
            if (blankRun < run || said) return null;
            said = true;
            return "[ai4u] camera `" + camera + "` has sent " + blankRun + " frames of one colour in a row: is it looking at the scene, and does this build render (not -nographics or a server build)?";
        }
    }
}
