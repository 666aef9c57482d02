/**
 * Commonly breached passwords of 12 characters or more (shorter ones fail the length rule anyway).
 * Compared lower-cased; keyboard runs and repeated characters are caught by rule, not by list.
 */
const LIST = `
123456789012 1234567890123 12345678901234 123456789000 111111111111 000000000000 123123123123
password1234 password12345 password123456 passwordpassword password@123 password!234 p@ssw0rd1234
passw0rd1234 qwerty123456 qwertyuiop12 qwertyuiop123 1qaz2wsx3edc 1q2w3e4r5t6y 1q2w3e4r5t6y7u
zaq12wsxcde3 iloveyou1234 iloveyouiloveyou letmein12345 welcome12345 welcome123456 welcometo123
administrator admin1234567 adminadmin123 changeme1234 changemenow! football1234 baseball1234
superman1234 batman123456 trustno11234 monkey123456 dragon123456 sunshine1234 princess1234
starwars1234 whatever1234 michael12345 jennifer1234 computer1234 internet1234 samsung12345
abc123456789 abcd12345678 aaaaaa111111 secret123456 mypassword12 mypassword123 thisismypassword
correcthorsebatterystaple correct horse battery staple letmeinplease opensesame123 football12345
qwertyqwerty asdfghjkl123 asdfasdfasdf zxcvbnm12345 1234qwerasdf q1w2e3r4t5y6 a1b2c3d4e5f6
summer202020 summer2024!! winter2024!! spring2025!! autumn2025!! password2024 password2025 password2026
gatehouse123 gatehouse1234 gatehousepassword temporarypassword temppassword123 default12345
`;

export const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  LIST.split(/\s+/).filter((p) => p.length >= 12),
);
