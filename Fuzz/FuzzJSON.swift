// libFuzzer entry for the JSON-RPC request decoder (Sources/RPC/JSON.swift, compiled in by
// tools/rpc-fuzz.sh): any input must be rejected with a JSONParseError or parse to a value that
// the writer turns into text that parses back to the same value.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let input = Array(UnsafeBufferPointer(start: data, count: size))
  guard let value = try? JSONParser.parse(input) else { return 0 }
  let text = JSONWriter.encode(value)
  guard let again = try? JSONParser.parse(text) else {
    fatalError("written JSON does not parse: \(String(decoding: text, as: UTF8.self))")
  }
  if again != value { fatalError("JSON round trip changed the value: \(String(decoding: text, as: UTF8.self))") }
  _ = value["method"]?.stringValue
  return 0
}
