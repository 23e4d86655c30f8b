import Foundation
import Primitives

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
  body()
  var times: [Double] = []
  for _ in 0..<runs {
    let start = threadCPUSeconds()
    body()
    times.append(threadCPUSeconds() - start)
  }
  return medianAndSpread(times)
}

/// This thread's CPU time in seconds: on a shared machine it leaves out the wait for a core,
/// which wall-clock time does not.
func threadCPUSeconds() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Median microseconds per call (wall clock, and thread CPU time) over `runs` batches of `batch`
/// calls, after one warm-up batch. `body` returns whether its call gave the expected result; a
/// wrong result stops the benchmark named `name`.
func medianMicrosPerCall(_ name: String, runs: Int, batch: Int, _ body: () -> Bool) -> (wall: Double, cpu: Double) {
  let clock = ContinuousClock()
  var walls: [Double] = [], cpus: [Double] = []
  for run in 0...runs {
    var ok = true
    let cpuStart = threadCPUSeconds()
    let d = clock.measure { for _ in 0..<batch { ok = body() && ok } }
    let cpu = threadCPUSeconds() - cpuStart
    precondition(ok, "\(name): unexpected result")
    if run > 0 {
      walls.append((Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) * 1e-12) / Double(batch))
      cpus.append(cpu * 1e6 / Double(batch))
    }
  }
  walls.sort()
  cpus.sort()
  return (walls[walls.count / 2], cpus[cpus.count / 2])
}

/// The bytes of a hex literal written in a benchmark (no `0x`; the literal is the bench's own).
func benchBytes(_ hex: String) -> [UInt8] {
  guard let bytes = try? Hex.decode(hex) else { fatalError("bad hex literal in a benchmark") }
  return bytes
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
