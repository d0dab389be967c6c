DROP TABLE fastpaca_messages;
