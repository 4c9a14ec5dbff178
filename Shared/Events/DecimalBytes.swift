extension Array where Element == UInt8 {
    /// Appends `value` in decimal ASCII, as `String(value)` writes it, without making the string:
    /// for the writers that build text byte by byte (event JSON, stored credits).
    public mutating func appendDecimal(_ value: Int64) {
        if value < 0 { append(0x2D) }  // -
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: room for UInt64's 20 digits
        Swift.withUnsafeMutableBytes(of: &digits) { buffer in
            var end = buffer.count
            repeat {
                end -= 1
                buffer[end] = 0x30 + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            append(contentsOf: buffer[end...])
        }
    }
}
