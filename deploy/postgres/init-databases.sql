-- One database per service; the instances of a service share theirs.
CREATE DATABASE marketing;
CREATE DATABASE finance;
CREATE DATABASE it;
