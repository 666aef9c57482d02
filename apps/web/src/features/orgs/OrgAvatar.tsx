import { Avatar } from '@mantine/core';

export function OrgAvatar({ name, disabled, size = 36 }: { name: string; disabled?: boolean; size?: number }) {
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join('');
  return (
    <Avatar size={size} radius="md" color={disabled ? 'gray' : 'indigo'} variant="light" aria-hidden>
      {initials}
    </Avatar>
  );
}
