#!/usr/bin/env python3
"""revm (through pyrevm) side of tools/bench-evm.sh. Prints one JSON object per invocation.

  bench-revm.py code --codefile FILE --input HEX [--gas N] [--runs R] [--wall]
      The code as the called account's (a funded caller, gas price 0), like `strata evm run
      --bench`: {"gasUsed", "medianNanos", "minNanos"}. A fresh EVM per run, so every run starts
      from the same state (pyrevm's message_call commits).

  bench-revm.py block --dump FILE [--runs R] [--wall]
      The transactions of a corpus block, dumped by `strata-bench evm` (STRATA_BENCH_EVM_DUMP),
      one after another on a fresh EVM holding the block's genesis alloc: {"gasUsed",
      "medianNanos", "minNanos", "txs", "overheadNanosPerTx"}. overheadNanosPerTx is the median
      cost of a call that pyrevm refuses before executing (gas below the intrinsic 21,000): the
      binding's per-call cost, which the caller may subtract.

Times are the calling thread's CPU time (revm runs on it) unless --wall.
"""
import argparse, json, time, sys

import pyrevm

SPEC = "CANCUN"


def clock(wall):
    return time.perf_counter_ns if wall else time.thread_time_ns


def median(xs):
    s = sorted(xs)
    return s[len(s) // 2]


def hexbytes(s):
    s = s.strip()
    if s.startswith(("0x", "0X")):
        s = s[2:]
    return bytes.fromhex(s)


def run_code(args):
    code = hexbytes(open(args.codefile).read())
    data = hexbytes(args.input)
    caller = "0x000000000000000000000000000073656e646572"   # "sender", as `strata evm run`
    target = "0x0000000000000000000000007265636569766572"   # "receiver"
    now = clock(args.wall)

    def fresh():
        evm = pyrevm.EVM(spec_id=SPEC, env=pyrevm.Env(block=pyrevm.BlockEnv(number=1, timestamp=1, gas_limit=max(args.gas, 30_000_000))))
        evm.insert_account_info(target, pyrevm.AccountInfo(nonce=1, code=code))
        evm.set_balance(caller, 1 << 200)
        return evm

    gas = None
    times = []
    for i in range(args.runs + 1):
        evm = fresh()
        t0 = now()
        evm.message_call(caller, target, calldata=data, gas=args.gas)
        t1 = now()
        used = evm.result.gas_used
        if gas is None:
            gas = used
            continue  # warm-up
        if used != gas:
            sys.exit(f"bench-revm: gas used changed between runs: {gas} then {used}")
        times.append(t1 - t0)
    print(json.dumps({"gasUsed": gas, "medianNanos": median(times), "minNanos": min(times)}))


def run_block(args):
    dump = json.load(open(args.dump))
    genesis = json.load(open(dump["genesis"]))
    b = dump["block"]
    now = clock(args.wall)
    txs = [(t["from"], t["to"], hexbytes(t["data"]), int(t["value"], 16), t["gas"], int(t["gasPrice"], 16)) for t in dump["txs"]]
    if any(t[1] is None for t in txs):
        sys.exit("bench-revm: contract creations are not supported by this driver")

    def fresh():
        env = pyrevm.Env(
            cfg=pyrevm.CfgEnv(chain_id=b["chainId"]),
            block=pyrevm.BlockEnv(number=b["number"], coinbase=b["coinbase"], timestamp=b["timestamp"],
                                  prevrandao=hexbytes(b["prevRandao"]), basefee=int(b["baseFee"], 16),
                                  gas_limit=b["gasLimit"], excess_blob_gas=0))
        evm = pyrevm.EVM(spec_id=SPEC, env=env)
        for addr, acct in genesis["alloc"].items():
            if not addr.startswith("0x"):
                addr = "0x" + addr
            code = hexbytes(acct.get("code", "0x"))
            evm.insert_account_info(addr, pyrevm.AccountInfo(
                balance=int(acct.get("balance", "0"), 0), nonce=int(str(acct.get("nonce", "0")), 0),
                code=code if code else None))
            for k, v in acct.get("storage", {}).items():
                evm.insert_account_storage(addr, int(k, 16), int(v, 16))
        return evm

    gas = None
    times = []
    for i in range(args.runs + 1):
        evm = fresh()
        total = 0
        t0 = now()
        for (frm, to, data, value, g, price) in txs:
            evm.message_call(frm, to, calldata=data, value=value, gas=g, gas_price=price)
            total += evm.result.gas_used
        t1 = now()
        if gas is None:
            gas = total
            continue
        if total != gas:
            sys.exit(f"bench-revm: gas used changed between runs: {gas} then {total}")
        times.append(t1 - t0)

    # The binding's per-call cost: calls refused before execution (gas below the intrinsic gas).
    evm = fresh()
    frm, to, data = txs[0][0], txs[0][1], txs[0][2]
    over = []
    for _ in range(7):
        t0 = now()
        for _ in range(len(txs)):
            try:
                evm.message_call(frm, to, calldata=data, gas=1000)
            except Exception:
                pass
        over.append((now() - t0) // len(txs))
    print(json.dumps({"gasUsed": gas, "medianNanos": median(times), "minNanos": min(times),
                      "txs": len(txs), "overheadNanosPerTx": median(over)}))


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="mode", required=True)
    c = sub.add_parser("code")
    c.add_argument("--codefile", required=True)
    c.add_argument("--input", default="")
    c.add_argument("--gas", type=int, default=1_000_000_000)
    c.add_argument("--runs", type=int, default=5)
    c.add_argument("--wall", action="store_true")
    k = sub.add_parser("block")
    k.add_argument("--dump", required=True)
    k.add_argument("--runs", type=int, default=5)
    k.add_argument("--wall", action="store_true")
    args = p.parse_args()
    run_code(args) if args.mode == "code" else run_block(args)


if __name__ == "__main__":
    main()
