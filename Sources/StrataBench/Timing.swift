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
  return medianAndSpread(times)
}

/// `measure` on the calling thread's CPU time: on a machine shared with other work, wall time
/// mostly measures the wait for a core.
func measureThreadCPU(runs: Int = 7, _ body: () -> Void) -> (median: Double, spread: Double) {
  func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }
  body()
  var times: [Double] = []
  for _ in 0..<runs {
    let start = now()
    body()
    times.append(now() - start)
  }
  return medianAndSpread(times)
}

/// The median of `times` and their spread (max − min) as a fraction of it.
private func medianAndSpread(_ times: [Double]) -> (median: Double, spread: Double) {
  let sorted = times.sorted()
  let median = sorted[sorted.count / 2]
  return (median, (sorted.last! - sorted.first!) / median)
}

/// Runs `a` and `b` alternately `runs` times each after one warm-up of each; the median
/// seconds of each. `untimedAfterEach` runs after each pair, outside the timing.
func measurePairs(runs: Int, _ a: () -> Void, _ b: () -> Void, untimedAfterEach: () -> Void = {})
  -> (a: (median: Double, spread: Double), b: (median: Double, spread: Double))
{
  a(); b(); untimedAfterEach()
  var ta: [Double] = [], tb: [Double] = []
  for _ in 0..<runs {
    var start = DispatchTime.now().uptimeNanoseconds
    a()
    ta.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    start = DispatchTime.now().uptimeNanoseconds
    b()
    tb.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    untimedAfterEach()
  }
  return (medianAndSpread(ta), medianAndSpread(tb))
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
