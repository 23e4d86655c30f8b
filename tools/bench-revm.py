#!/usr/bin/env python3
"""revm (through pyrevm) side of tools/bench-evm.sh. Prints one JSON object per invocation.

  bench-revm.py code --codefile FILE --input HEX [--gas N] [--runs R] [--wall]
      The code as the called account's (a funded caller, gas price 0), like `strata evm run
      --bench`: {"gasUsed", "medianNanos", "minNanos"}. A fresh EVM per run, so every run starts
      from the same state (pyrevm's message_call commits).

  bench-revm.py block --dump FILE [--runs R] [--wall]
      The transactions of a corpus block, dumped by `strata-bench evm` (STRATA_BENCH_EVM_DUMP),
      each against the block's genesis alloc, as `strata-bench evm` runs them: {"gasUsed",
      "medianNanos", "minNanos", "txs", "overheadNanosPerTx"}.
      pyrevm 0.3.7 cannot put storage into its database: insert_account_storage writes the
      journal (the slot becomes warm, with original value 0), and no call ever finalises the
      journal, so a block that reads storage would cost revm less gas than it defines. So revm
      reads the genesis the way it reads a forked chain: pyrevm's fork database (revm's CacheDB
      over EthersDB) asks a JSON-RPC server that this script starts in a child process
      (`serve`, answering from genesis.json). Each transaction runs between snapshot() and
      revert(): the journal forgets every account and slot it loaded (the next transaction
      finds them cold, and each slot's original value is the genesis value) while the CacheDB
      keeps them. The untimed warm-up run fills the CacheDB; the timed runs must not reach the
      server (checked: its request count may not change), so they time revm's interpreter and
      in-memory cache lookups, like strata-bench's dictionaries.
      overheadNanosPerTx is the median cost of snapshot(), a call that pyrevm refuses before
      executing (gas below the intrinsic 21,000) and revert(): the binding's per-transaction
      cost, which the caller may subtract.

  bench-revm.py serve --genesis FILE
      The JSON-RPC server above (eth_blockNumber, eth_getBalance, eth_getTransactionCount,
      eth_getCode, eth_getStorageAt from the alloc; GET /count: requests answered). Prints its
      port, then serves until killed.

Times are the calling thread's CPU time (revm runs on it) unless --wall.
"""
import argparse, http.server, json, subprocess, sys, time, urllib.request

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


def serve(args):
    genesis = json.load(open(args.genesis))
    alloc = {}
    for addr, acct in genesis["alloc"].items():
        addr = addr.lower()
        alloc[addr if addr.startswith("0x") else "0x" + addr] = (
            int(acct.get("balance", "0"), 0), int(str(acct.get("nonce", "0")), 0), acct.get("code", "0x") or "0x",
            {int(k, 16): int(v, 16) for k, v in acct.get("storage", {}).items()})
    absent = (0, 0, "0x", {})
    count = [0]

    def answer(req):
        count[0] += 1
        method, params = req["method"], req.get("params", [])
        acct = alloc.get(params[0].lower(), absent) if params and isinstance(params[0], str) else absent
        if method == "eth_blockNumber":
            result = "0x0"
        elif method == "eth_getBalance":
            result = hex(acct[0])
        elif method == "eth_getTransactionCount":
            result = hex(acct[1])
        elif method == "eth_getCode":
            result = acct[2]
        elif method == "eth_getStorageAt":
            result = "0x%064x" % acct[3].get(int(params[1], 16), 0)
        else:
            return {"jsonrpc": "2.0", "id": req.get("id"), "error": {"code": -32601, "message": method}}
        return {"jsonrpc": "2.0", "id": req.get("id"), "result": result}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def reply(self, obj):
            body = json.dumps(obj).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            self.reply({"count": count[0]})

        def do_POST(self):
            req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            self.reply([answer(r) for r in req] if isinstance(req, list) else answer(req))

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def run_block(args):
    dump = json.load(open(args.dump))
    b = dump["block"]
    now = clock(args.wall)
    txs = [(t["from"], t["to"], hexbytes(t["data"]), int(t["value"], 16), t["gas"], int(t["gasPrice"], 16)) for t in dump["txs"]]
    if any(t[1] is None for t in txs):
        sys.exit("bench-revm: contract creations are not supported by this driver")

    # The genesis server runs in its own process: pyrevm holds the GIL while it waits for a reply.
    server = subprocess.Popen([sys.executable, __file__, "serve", "--genesis", dump["genesis"]], stdout=subprocess.PIPE, text=True)
    try:
        url = "http://127.0.0.1:%d" % int(server.stdout.readline())
        requests = lambda: json.load(urllib.request.urlopen(url))["count"]
        env = pyrevm.Env(
            cfg=pyrevm.CfgEnv(chain_id=b["chainId"]),
            block=pyrevm.BlockEnv(number=b["number"], coinbase=b["coinbase"], timestamp=b["timestamp"],
                                  prevrandao=hexbytes(b["prevRandao"]), basefee=int(b["baseFee"], 16),
                                  gas_limit=b["gasLimit"], excess_blob_gas=0))
        evm = pyrevm.EVM(spec_id=SPEC, env=env, fork_url=url)

        gas = None
        times = []
        for i in range(args.runs + 1):
            if i == 1:
                served = requests()
            total = 0
            t0 = now()
            for (frm, to, data, value, g, price) in txs:
                checkpoint = evm.snapshot()
                evm.message_call(frm, to, calldata=data, value=value, gas=g, gas_price=price)
                total += evm.result.gas_used
                evm.revert(checkpoint)
            t1 = now()
            if gas is None:
                gas = total
                continue  # warm-up: fills the CacheDB from the server
            if total != gas:
                sys.exit(f"bench-revm: gas used changed between runs: {gas} then {total}")
            times.append(t1 - t0)
        if requests() != served:
            sys.exit("bench-revm: a timed run read state from the server (the CacheDB should hold it all)")

        # The binding's per-transaction cost: snapshot, a call refused before execution (gas below
        # the intrinsic gas), revert.
        frm, to, data = txs[0][0], txs[0][1], txs[0][2]
        over = []
        for _ in range(7):
            t0 = now()
            for _ in range(len(txs)):
                checkpoint = evm.snapshot()
                try:
                    evm.message_call(frm, to, calldata=data, gas=1000)
                except Exception:
                    pass
                evm.revert(checkpoint)
            over.append((now() - t0) // len(txs))
    finally:
        server.kill()
        server.wait()
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
    v = sub.add_parser("serve")
    v.add_argument("--genesis", required=True)
    args = p.parse_args()
    {"code": run_code, "block": run_block, "serve": serve}[args.mode](args)


if __name__ == "__main__":
    main()
