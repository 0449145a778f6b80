using System.Collections.Generic;
using UnityEngine;

namespace Ai4u.Unity
{
    /// <summary>How a camera image is sent.</summary>
    public enum CameraFormat
    {
        /// <summary>Raw u8 HWC, 3 channels, top row first.</summary>
        RawRgb,
        /// <summary>Raw u8, 1 channel (luma 0.299 R + 0.587 G + 0.114 B), top row first.</summary>
        RawGrayscale,
        /// <summary>A PNG file (Texture2D.EncodeToPNG) of the RGB image; width, height, channels 3 describe it.</summary>
        PngRgb,
    }

    /// <summary>
    /// Renders a camera into a texture and reads it back: the shared machinery of the mono
    /// and stereo camera sensors. Reading back stalls the GPU, so keep images small (the
    /// defaults are 84 × 84, the usual RL size).
    /// </summary>
    public sealed class CameraCapture
    {
        readonly int width, height;
        RenderTexture target;
        Texture2D readback;
        Color32[] pixels;

        public CameraCapture(int width, int height)
        {
            this.width = Mathf.Max(1, width);
            this.height = Mathf.Max(1, height);
        }

        static bool saidNoGraphics;

        /// <summary>
        /// False (and said once, loudly) when this player renders nothing: <c>-nographics</c> or
        /// a server build has the null graphics device, and a camera sensor would send nothing.
        /// </summary>
        public static bool CanRender(string camera)
        {
            if (SystemInfo.graphicsDeviceType != UnityEngine.Rendering.GraphicsDeviceType.Null) return true;
            if (!saidNoGraphics)
            {
                Debug.LogError("[ai4u] camera sensor `" + camera + "` is off: this player renders nothing (-nographics or a server build); run it with graphics (on Linux, xvfb-run) to get frames");
                saidNoGraphics = true;
            }
            return false;
        }

        internal static void Warn(string warning) { if (warning != null) Debug.LogWarning(warning); }

        /// <summary>Channels of a format.</summary>
        public static int Channels(CameraFormat f) { return f == CameraFormat.RawGrayscale ? 1 : 3; }

        /// <summary>Renders <paramref name="cam"/> and returns the image's bytes in <paramref name="format"/>.</summary>
        public byte[] Capture(Camera cam, CameraFormat format)
        {
            if (target == null)
            {
                target = new RenderTexture(width, height, 24, RenderTextureFormat.ARGB32);
                readback = new Texture2D(width, height, TextureFormat.RGB24, false);
            }
            var previousTarget = cam.targetTexture;
            var previousActive = RenderTexture.active;
            cam.targetTexture = target;
            cam.Render();
            RenderTexture.active = target;
            readback.ReadPixels(new Rect(0, 0, width, height), 0, 0, false);
            readback.Apply(false);
            cam.targetTexture = previousTarget;
            RenderTexture.active = previousActive;

            if (format == CameraFormat.PngRgb) return readback.EncodeToPNG();

            pixels = readback.GetPixels32(); // bottom row first
            int ch = Channels(format);
            var data = new byte[width * height * ch];
            for (int y = 0; y < height; y++)
            {
                int src = (height - 1 - y) * width; // flip: the protocol wants the top row first
                int dst = y * width * ch;
                for (int x = 0; x < width; x++)
                {
                    var p = pixels[src + x];
                    if (ch == 3)
                    {
                        data[dst++] = p.r;
                        data[dst++] = p.g;
                        data[dst++] = p.b;
                    }
                    else
                    {
                        data[dst++] = (byte)Mathf.Clamp(Mathf.RoundToInt(0.299f * p.r + 0.587f * p.g + 0.114f * p.b), 0, 255);
                    }
                }
            }
            return data;
        }

        /// <summary>Frees the GPU and CPU textures.</summary>
        public void Release()
        {
            if (target != null) { target.Release(); Object.Destroy(target); }
            if (readback != null) Object.Destroy(readback);
            target = null;
            readback = null;
        }
    }

    /// <summary>One camera as an image field: kind Image, u8, shape [height, width, 1 or 3], range [0, 255].</summary>
    [AddComponentMenu("AI4U/Sensors/Camera Sensor")]
    public class CameraSensor : Sensor
    {
        public Camera sensorCamera;
        public int width = 84, height = 84;
        public CameraFormat format = CameraFormat.RawRgb;
        CameraCapture capture;
        readonly BlankFrameGuard blank = new BlankFrameGuard();

        void Reset() { fieldName = "camera"; }

        public override void Declare(List<InputSpec> inputs)
        {
            inputs.Add(new InputSpec(fieldName, ValueKind.Image, new[] { height, width, CameraCapture.Channels(format) }, 0f, 255f));
        }

        public override void Collect(Agent agent)
        {
            if (sensorCamera == null || !CameraCapture.CanRender(fieldName)) return;
            if (capture == null) capture = new CameraCapture(width, height);
            var data = capture.Capture(sensorCamera, format);
            if (format != CameraFormat.PngRgb) CameraCapture.Warn(blank.Observe(fieldName, data, CameraCapture.Channels(format)));
            agent.SetStateAsImage(fieldName, width, height, CameraCapture.Channels(format), data,
                format == CameraFormat.PngRgb ? ImageEncoding.Png : ImageEncoding.Raw);
        }

        void OnDestroy() { if (capture != null) capture.Release(); }
    }

    /// <summary>A stereo pair: two image fields, <c>{fieldName}_left</c> and <c>{fieldName}_right</c>, same format and size.</summary>
    [AddComponentMenu("AI4U/Sensors/Stereo Camera Sensor")]
    public class StereoCameraSensor : Sensor
    {
        public Camera left, right;
        public int width = 84, height = 84;
        public CameraFormat format = CameraFormat.RawRgb;
        CameraCapture captureLeft, captureRight;
        readonly BlankFrameGuard blankLeft = new BlankFrameGuard(), blankRight = new BlankFrameGuard();

        void Reset() { fieldName = "stereo"; }

        public override void Declare(List<InputSpec> inputs)
        {
            var shape = new[] { height, width, CameraCapture.Channels(format) };
            inputs.Add(new InputSpec(fieldName + "_left", ValueKind.Image, shape, 0f, 255f));
            inputs.Add(new InputSpec(fieldName + "_right", ValueKind.Image, (int[])shape.Clone(), 0f, 255f));
        }

        public override void Collect(Agent agent)
        {
            if (left == null || right == null || !CameraCapture.CanRender(fieldName)) return;
            if (captureLeft == null)
            {
                captureLeft = new CameraCapture(width, height);
                captureRight = new CameraCapture(width, height);
            }
            var enc = format == CameraFormat.PngRgb ? ImageEncoding.Png : ImageEncoding.Raw;
            int ch = CameraCapture.Channels(format);
            var l = captureLeft.Capture(left, format);
            var r = captureRight.Capture(right, format);
            if (format != CameraFormat.PngRgb)
            {
                CameraCapture.Warn(blankLeft.Observe(fieldName + "_left", l, ch));
                CameraCapture.Warn(blankRight.Observe(fieldName + "_right", r, ch));
            }
            agent.SetStateAsImage(fieldName + "_left", width, height, ch, l, enc);
            agent.SetStateAsImage(fieldName + "_right", width, height, ch, r, enc);
        }

        void OnDestroy()
        {
            if (captureLeft != null) captureLeft.Release();
            if (captureRight != null) captureRight.Release();
        }
    }
}
