import Foundation

/// Runs `body` `runs` times after one warm-up and returns the median seconds and the spread
/// (max − min) as a fraction of the median.
func measure(runs: Int = 7, _ body: () -> Void) -> (median: Double, spread: Double) {
  body()
  var times: [Double] = []
  for _ in 0..<runs {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
  }
  times.sort()
  let median = times[times.count / 2]
  return (median, (times.last! - times.first!) / median)
}

/// Keeps a value alive so the optimiser cannot drop the work that made it.
@inline(never) func blackHole<T>(_ x: T) { _ = x }

/// Peak resident memory of this process in MiB (Linux VmHWM).
func peakRSSMiB() -> Double {
  guard let s = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
  for line in s.split(separator: "\n") where line.hasPrefix("VmHWM:") {
    let kb = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
    return kb / 1024
  }
  return 0
}

func fmt(_ x: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", x) }
