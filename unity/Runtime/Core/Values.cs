using System;
using System.Collections.Generic;
using System.Text;

namespace Ai4u
{
    /// <summary>The kind of a <see cref="Value"/>; the number is its wire tag (PROTOCOL.md §3).</summary>
    public enum ValueKind
    {
        Float = 0,
        Int = 1,
        Bool = 2,
        String = 3,
        Bytes = 4,
        FloatArray = 5,
        IntArray = 6,
        Image = 7,
    }

    /// <summary>Pixel type of an image value (wire tag 0 = u8, 1 = f32).</summary>
    public enum PixelType
    {
        U8 = 0,
        F32 = 1,
    }

    /// <summary>Encoding of an image value's data (wire tag 0 = raw HWC, 1 = a whole PNG file).</summary>
    public enum ImageEncoding
    {
        Raw = 0,
        Png = 1,
    }

    /// <summary>
    /// Anything an engine sends or receives: a sensor reading, an action argument, a reset or
    /// config field. One class for every kind (rather than one subclass per kind) so that an
    /// agent can refill the same instance each decision instead of allocating a new one.
    /// </summary>
    public sealed class Value
    {
        static readonly int[] ScalarShape = new int[0];

        /// <summary>Which of the payload members below is meaningful.</summary>
        public ValueKind Kind { get; private set; }
        /// <summary>The number, for <see cref="ValueKind.Float"/>.</summary>
        public float FloatValue { get; private set; }
        /// <summary>The number, for <see cref="ValueKind.Int"/>.</summary>
        public long IntValue { get; private set; }
        /// <summary>The flag, for <see cref="ValueKind.Bool"/>.</summary>
        public bool BoolValue { get; private set; }
        /// <summary>The text, for <see cref="ValueKind.String"/>.</summary>
        public string StringValue { get; private set; }
        /// <summary>The bytes, for <see cref="ValueKind.Bytes"/> and <see cref="ValueKind.Image"/> (raw pixels or PNG file).</summary>
        public byte[] ByteData { get; private set; }
        /// <summary>Row-major shape of a float or int array; empty for a scalar (one element).</summary>
        public int[] Shape { get; private set; }
        /// <summary>The elements of a float array (row-major).</summary>
        public float[] FloatData { get; private set; }
        /// <summary>The elements of an int array (row-major).</summary>
        public int[] IntData { get; private set; }
        /// <summary>Image width in pixels.</summary>
        public int Width { get; private set; }
        /// <summary>Image height in pixels.</summary>
        public int Height { get; private set; }
        /// <summary>Image channels (1 grayscale, 3 RGB, 4 RGBA).</summary>
        public int Channels { get; private set; }
        /// <summary>Image pixel type.</summary>
        public PixelType Pixel { get; private set; }
        /// <summary>Image encoding.</summary>
        public ImageEncoding Encoding { get; private set; }

        Value(ValueKind kind) { Kind = kind; }

        /// <summary>A float scalar.</summary>
        public static Value Float(float v) { return new Value(ValueKind.Float) { FloatValue = v }; }
        /// <summary>An int scalar (i64 on the wire).</summary>
        public static Value Int(long v) { return new Value(ValueKind.Int) { IntValue = v }; }
        /// <summary>A bool.</summary>
        public static Value Bool(bool v) { return new Value(ValueKind.Bool) { BoolValue = v }; }
        /// <summary>A UTF-8 string.</summary>
        public static Value String(string v)
        {
            if (v == null) throw new ArgumentNullException("v");
            return new Value(ValueKind.String) { StringValue = v };
        }
        /// <summary>Raw bytes (the array is kept, not copied).</summary>
        public static Value Bytes(byte[] v)
        {
            if (v == null) throw new ArgumentNullException("v");
            return new Value(ValueKind.Bytes) { ByteData = v };
        }

        /// <summary>A float array; with no shape given it is one-dimensional. The array is kept, not copied.</summary>
        public static Value FloatArray(float[] data, params int[] shape)
        {
            if (data == null) throw new ArgumentNullException("data");
            shape = ShapeOrVector(shape, data.Length);
            CheckShape(shape, data.Length, "float array");
            return new Value(ValueKind.FloatArray) { Shape = shape, FloatData = data };
        }

        /// <summary>An int array; with no shape given it is one-dimensional. The array is kept, not copied.</summary>
        public static Value IntArray(int[] data, params int[] shape)
        {
            if (data == null) throw new ArgumentNullException("data");
            shape = ShapeOrVector(shape, data.Length);
            CheckShape(shape, data.Length, "int array");
            return new Value(ValueKind.IntArray) { Shape = shape, IntData = data };
        }

        // The decoder has already checked shape against the data; keep its shape as is
        // (including the empty, rank-0 shape) so a decoded value re-encodes byte-identically.
        internal static Value FloatArrayUnchecked(float[] data, int[] shape)
        {
            return new Value(ValueKind.FloatArray) { Shape = shape, FloatData = data };
        }

        internal static Value IntArrayUnchecked(int[] data, int[] shape)
        {
            return new Value(ValueKind.IntArray) { Shape = shape, IntData = data };
        }

        /// <summary>A rank-0 float array (shape [], one element).</summary>
        public static Value FloatScalarArray(float v)
        {
            return new Value(ValueKind.FloatArray) { Shape = ScalarShape, FloatData = new[] { v } };
        }

        /// <summary>An image. A raw image's data must hold width × height × channels × (1 or 4) bytes, top row first, HWC.</summary>
        public static Value Image(int width, int height, int channels, PixelType pixel, ImageEncoding encoding, byte[] data)
        {
            if (data == null) throw new ArgumentNullException("data");
            if (width < 0 || height < 0 || channels < 0) throw new ArgumentException("image dimensions must not be negative");
            if (encoding == ImageEncoding.Raw)
            {
                long need = (long)width * height * channels * (pixel == PixelType.F32 ? 4 : 1);
                if (need != data.Length)
                    throw new ArgumentException(string.Format(
                        "raw image {0}x{1}x{2} of {3} needs {4} bytes, has {5}", width, height, channels, pixel, need, data.Length));
            }
            return new Value(ValueKind.Image)
            {
                Width = width, Height = height, Channels = channels, Pixel = pixel, Encoding = encoding, ByteData = data,
            };
        }

        /// <summary>Number of elements a shape holds (1 for the empty shape), or -1 if it overflows.</summary>
        public static long ShapeLength(int[] shape)
        {
            long n = 1;
            for (int i = 0; i < shape.Length; i++)
            {
                if (shape[i] < 0) return -1;
                if (shape[i] == 0) return 0;
                if (n > int.MaxValue / shape[i]) return -1;
                n *= shape[i];
            }
            return n;
        }

        static int[] ShapeOrVector(int[] shape, int length)
        {
            return shape == null || shape.Length == 0 ? new[] { length } : (int[])shape.Clone();
        }

        static void CheckShape(int[] shape, int count, string what)
        {
            if (ShapeLength(shape) != count)
                throw new ArgumentException(string.Format("{0}: shape [{1}] does not hold {2} elements", what, string.Join(", ", shape), count));
        }

        /// <summary>
        /// Copies <paramref name="src"/> into this float array if it has the same length, so a
        /// sensor can refresh its reading without allocating. Returns false when it cannot.
        /// </summary>
        internal bool TryOverwrite(float[] src)
        {
            if (Kind != ValueKind.FloatArray || FloatData.Length != src.Length) return false;
            Buffer.BlockCopy(src, 0, FloatData, 0, src.Length * 4);
            return true;
        }

        internal bool TryOverwrite(float v)
        {
            if (Kind != ValueKind.Float) return false;
            FloatValue = v;
            return true;
        }

        internal bool TryOverwrite(long v)
        {
            if (Kind != ValueKind.Int) return false;
            IntValue = v;
            return true;
        }

        internal bool TryOverwrite(bool v)
        {
            if (Kind != ValueKind.Bool) return false;
            BoolValue = v;
            return true;
        }

        /// <summary>The value as a float: floats as they are, ints and bools converted, a one-element float array's element.</summary>
        public float AsFloat()
        {
            switch (Kind)
            {
                case ValueKind.Float: return FloatValue;
                case ValueKind.Int: return IntValue;
                case ValueKind.Bool: return BoolValue ? 1f : 0f;
                case ValueKind.FloatArray:
                    if (FloatData.Length == 1) return FloatData[0];
                    break;
                case ValueKind.IntArray:
                    if (IntData.Length == 1) return IntData[0];
                    break;
            }
            throw new InvalidCastException("a " + Kind + " value is not a float");
        }

        /// <summary>The value as an int: ints (checked), bools, and floats truncated toward zero.</summary>
        public int AsInt()
        {
            switch (Kind)
            {
                case ValueKind.Int: return checked((int)IntValue);
                case ValueKind.Float: return (int)FloatValue;
                case ValueKind.Bool: return BoolValue ? 1 : 0;
                case ValueKind.IntArray:
                    if (IntData.Length == 1) return IntData[0];
                    break;
            }
            throw new InvalidCastException("a " + Kind + " value is not an int");
        }

        /// <summary>The value as a bool: bools, and nonzero ints or floats.</summary>
        public bool AsBool()
        {
            switch (Kind)
            {
                case ValueKind.Bool: return BoolValue;
                case ValueKind.Int: return IntValue != 0;
                case ValueKind.Float: return FloatValue != 0f;
            }
            throw new InvalidCastException("a " + Kind + " value is not a bool");
        }

        /// <summary>The value as a flat float array: float arrays as they are (not copied), int arrays and scalars converted.</summary>
        public float[] AsFloatArray()
        {
            switch (Kind)
            {
                case ValueKind.FloatArray: return FloatData;
                case ValueKind.IntArray:
                    var f = new float[IntData.Length];
                    for (int i = 0; i < f.Length; i++) f[i] = IntData[i];
                    return f;
                case ValueKind.Float:
                case ValueKind.Int:
                case ValueKind.Bool:
                    return new[] { AsFloat() };
            }
            throw new InvalidCastException("a " + Kind + " value is not a float array");
        }

        /// <summary>Short human-readable form, for logs and test failures.</summary>
        public override string ToString()
        {
            switch (Kind)
            {
                case ValueKind.Float: return "Float(" + FloatValue.ToString("R", System.Globalization.CultureInfo.InvariantCulture) + ")";
                case ValueKind.Int: return "Int(" + IntValue + ")";
                case ValueKind.Bool: return "Bool(" + (BoolValue ? "true" : "false") + ")";
                case ValueKind.String: return "String(\"" + StringValue + "\")";
                case ValueKind.Bytes: return "Bytes[" + ByteData.Length + "]";
                case ValueKind.FloatArray: return "FloatArray[" + string.Join(", ", Shape) + "]";
                case ValueKind.IntArray: return "IntArray[" + string.Join(", ", Shape) + "]";
                default: return string.Format("Image({0}x{1}x{2} {3} {4}, {5} bytes)", Width, Height, Channels, Pixel, Encoding, ByteData.Length);
            }
        }
    }

    /// <summary>A named value: one sensor reading of a tick, one reset or config entry.</summary>
    public sealed class Field
    {
        /// <summary>The name (at most 256 bytes of UTF-8 with the default limits).</summary>
        public string Name;
        /// <summary>The value.</summary>
        public Value Value;

        /// <summary>Creates a field.</summary>
        public Field(string name, Value value)
        {
            if (name == null) throw new ArgumentNullException("name");
            if (value == null) throw new ArgumentNullException("value");
            Name = name;
            Value = value;
        }

        /// <summary>The first field named <paramref name="name"/>, or null.</summary>
        public static Field Find(IList<Field> fields, string name)
        {
            if (fields == null) return null;
            for (int i = 0; i < fields.Count; i++)
                if (fields[i].Name == name) return fields[i];
            return null;
        }

        /// <inheritdoc/>
        public override string ToString() { return Name + "=" + Value; }
    }

    /// <summary>Strict UTF-8 (throws on invalid bytes), shared by the codec.</summary>
    internal static class Utf8
    {
        public static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);
    }
}
