#!/usr/bin/env python3
"""A TCP proxy that delays every chunk by a fixed time in each direction, so database round trips
cost what they cost across a real network. Usage: delay_proxy.py LISTEN_PORT TARGET_PORT DELAY_MS"""
import asyncio
import sys


async def pipe(reader, writer, delay):
    queue = asyncio.Queue()
    loop = asyncio.get_running_loop()

    async def send():
        while True:
            due, chunk = await queue.get()
            if chunk is None:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(chunk)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(send())
    try:
        while True:
            chunk = await reader.read(65536)
            if not chunk:
                break
            queue.put_nowait((loop.time() + delay, chunk))
    finally:
        queue.put_nowait((0, None))
        await sender


async def handle(client_reader, client_writer, target_port, delay):
    try:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", target_port)
    except OSError:
        client_writer.close()
        return
    await asyncio.gather(
        pipe(client_reader, server_writer, delay), pipe(server_reader, client_writer, delay), return_exceptions=True)


async def main():
    listen, target, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]) / 1000
    server = await asyncio.start_server(lambda r, w: handle(r, w, target, delay), "127.0.0.1", listen)
    print(f"delay proxy 127.0.0.1:{listen} -> 127.0.0.1:{target}, {delay * 1000:.1f} ms each way", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
