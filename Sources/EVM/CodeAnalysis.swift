import Primitives

/// Bytecode prepared for the interpreter: padded with 33 zero bytes (so a PUSH32 at the end reads
/// zeros and running off the end meets STOP) and a JUMPDEST bitmap that skips PUSH data.
///
/// Built once per code hash and cached by the ``Host`` (evmone's baseline analysis).
public final class CodeAnalysis: @unchecked Sendable {
  // SAFETY (@unchecked Sendable): both buffers are written only in init and freed in deinit;
  // the object is immutable in between, so sharing it across threads is safe.
  /// The code followed by 33 zero bytes.
  @usableFromInline let code: UnsafeMutablePointer<UInt8>
  /// One bit per code byte: set where a JUMPDEST opcode (not push data) stands.
  @usableFromInline let jumpdests: UnsafeMutablePointer<UInt64>
  public let size: Int

  public static let padding = 33

  public init(_ bytes: [UInt8]) {
    let size = bytes.count
    let code = UnsafeMutablePointer<UInt8>.allocate(capacity: size + CodeAnalysis.padding)
    code.initialize(repeating: 0, count: size + CodeAnalysis.padding)
    bytes.withUnsafeBufferPointer { src in
      if size > 0 { code.update(from: src.baseAddress!, count: size) }
    }
    self.size = size
    self.code = code
    let words = (size + 63) / 64 + 1
    jumpdests = .allocate(capacity: words)
    jumpdests.initialize(repeating: 0, count: words)
    var pc = 0
    while pc < size {
      let op = code[pc]
      if op == 0x5b {
        jumpdests[pc >> 6] |= 1 << UInt64(pc & 63)
      } else if op >= 0x60 && op <= 0x7f {
        pc += Int(op) - 0x5f
      }
      pc += 1
    }
  }

  deinit {
    code.deallocate()
    jumpdests.deallocate()
  }

  /// True when `dest` is a valid jump destination.
  @inlinable @inline(__always)
  func isJumpdest(_ dest: Int) -> Bool {
    // SAFETY: dest < size, and the bitmap holds (size + 63) / 64 + 1 words.
    dest < size && (jumpdests[dest >> 6] >> UInt64(dest & 63)) & 1 == 1
  }

  /// The code bytes (without padding).
  public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: code, count: size)) }

  /// An empty code object shared by accounts without code.
  public static let empty = CodeAnalysis([])
}
