// Code text the generator learns its merges from, so common code tokenizes into multi-byte pieces.
export const CODE_CORPUS = `import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface Options {
  name: string;
  count: number;
  enabled?: boolean;
}

export function parseArgs(args: string[]): Options {
  const options: Options = { name: '', count: 0 };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--name') {
      options.name = args[++i] ?? '';
    } else if (arg === '--count') {
      options.count = Number(args[++i]);
    } else {
      throw new Error(\`unknown argument: \${arg}\`);
    }
  }
  return options;
}

export async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const text = await readFile(path.join(process.cwd(), options.name), 'utf8');
  const lines = text.split('\\n').filter((line) => line.length > 0);
  console.log(\`read \${lines.length} lines\`);
  await writeFile(options.name + '.out', lines.join('\\n'));
}

export class Counter {
  private readonly counts = new Map<string, number>();

  add(key: string, value = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + value);
  }

  get(key: string): number {
    return this.counts.get(key) ?? 0;
  }

  toJSON(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}

function fibonacci(n: number): number {
  if (n < 2) return n;
  return fibonacci(n - 1) + fibonacci(n - 2);
}

const result = [1, 2, 3].map((x) => x * 2).filter((x) => x > 2);
if (result.length === 0 || result === null || result === undefined) {
  return false;
}

def read_lines(path):
    with open(path, "r", encoding="utf-8") as f:
        return [line.rstrip("\\n") for line in f if line.strip()]


class Node:
    def __init__(self, value, children=None):
        self.value = value
        self.children = children or []

    def walk(self):
        yield self.value
        for child in self.children:
            yield from child.walk()


def main():
    import sys
    for index, line in enumerate(read_lines(sys.argv[1])):
        if index % 2 == 0:
            print(f"{index}: {line}")
        else:
            continue
    return 0


if __name__ == "__main__":
    main()

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int size;
    int capacity;
    char *data;
} buffer_t;

static int buffer_push(buffer_t *buffer, char value) {
    if (buffer->size >= buffer->capacity) {
        int capacity = buffer->capacity ? buffer->capacity * 2 : 16;
        char *data = realloc(buffer->data, capacity);
        if (data == NULL) {
            return -1;
        }
        buffer->data = data;
        buffer->capacity = capacity;
    }
    buffer->data[buffer->size++] = value;
    return 0;
}

int main(int argc, char **argv) {
    for (int i = 0; i < argc; i++) {
        printf("%s\\n", argv[i]);
    }
    return 0;
}

function render(items) {
  const list = document.createElement('ul');
  for (const item of items) {
    const element = document.createElement('li');
    element.textContent = item.name;
    element.addEventListener('click', () => console.log(item));
    list.appendChild(element);
  }
  return list;
}

async function fetchJson(url) {
  const response = await fetch(url);
  if (!response.ok) {
    throw new Error('request failed: ' + response.status);
  }
  return await response.json();
}

export default { parseArgs, main, Counter, render, fetchJson };
`;
