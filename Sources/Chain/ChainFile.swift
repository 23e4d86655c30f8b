import Foundation
import Primitives

/// Reads concatenated RLP blocks from a file one at a time, in bounded memory (one block's
/// bytes at a time), reporting the byte offset of anything malformed.
public final class ChainFile {
  public let path: String
  let handle: FileHandle
  /// Offset of the next unread byte.
  public private(set) var offset: UInt64 = 0
  public let size: UInt64
  var buffer: [UInt8] = []
  var bufferStart: UInt64 = 0

  public enum ReadError: Error, CustomStringConvertible {
    case cannotOpen(String, String)
    case truncated(offset: UInt64, needed: UInt64, available: UInt64)
    case malformed(offset: UInt64, String)
    /// The file could not be read (or its size found): an I/O failure, not a short file.
    case io(offset: UInt64, String)

    public var description: String {
      switch self {
      case .cannotOpen(let p, let r): return "cannot open \(p): \(r)"
      case .truncated(let o, let n, let a): return "truncated block at byte \(o): needs \(n) bytes, \(a) left"
      case .malformed(let o, let r): return "malformed block at byte \(o): \(r)"
      case .io(let o, let r): return "cannot read at byte \(o): \(r)"
      }
    }
  }

  public init(path: String) throws(ReadError) {
    self.path = path
    guard let h = FileHandle(forReadingAtPath: path) else {
      throw .cannotOpen(path, FileManager.default.fileExists(atPath: path) ? "not readable" : "no such file")
    }
    handle = h
    do {
      size = try h.seekToEnd()
      try h.seek(toOffset: 0)
    } catch {
      throw .io(offset: 0, "\(error)")
    }
  }

  deinit { try? handle.close() }

  /// Ensures `count` bytes from `offset` are buffered; returns how many are available.
  /// - Throws: `ReadError.io` when the read fails (the end of the file is not a failure).
  func fill(_ count: Int) throws(ReadError) -> Int {
    let have = Int(bufferStart + UInt64(buffer.count) - offset)
    if have >= count { return have }
    // Drop consumed bytes, then read at least what is missing (and at least 1 MiB).
    buffer.removeFirst(Int(offset - bufferStart))
    bufferStart = offset
    let want = max(count - buffer.count, 1 << 20)
    do {
      if let data = try handle.read(upToCount: want) { buffer.append(contentsOf: data) }
    } catch {
      throw .io(offset: bufferStart + UInt64(buffer.count), "\(error)")
    }
    return buffer.count
  }

  /// The next block's RLP bytes with the offset it starts at, or nil at the end of the file.
  public func next() throws(ReadError) -> (offset: UInt64, bytes: [UInt8])? {
    let available = try fill(9)
    if available == 0 { return nil }
    let start = Int(offset - bufferStart)
    let b = buffer[start]
    guard b >= 0xc0 else { throw .malformed(offset: offset, "expected an RLP list, found byte 0x\(String(b, radix: 16))") }
    var total: Int
    if b <= 0xf7 {
      total = 1 + Int(b - 0xc0)
    } else {
      let n = Int(b - 0xf7)
      guard available >= 1 + n else { throw .truncated(offset: offset, needed: UInt64(1 + n), available: UInt64(available)) }
      var len = 0
      for i in 0..<n { len = len << 8 | Int(buffer[start + 1 + i]) }
      guard n <= 7 else { throw .malformed(offset: offset, "list length of \(n) bytes") }
      total = 1 + n + len
    }
    let got = try fill(total)
    guard got >= total else {
      throw .truncated(offset: offset, needed: UInt64(total), available: UInt64(got))
    }
    let s = Int(offset - bufferStart)
    let bytes = Array(buffer[s..<s + total])
    let at = offset
    offset += UInt64(total)
    return (at, bytes)
  }
}
